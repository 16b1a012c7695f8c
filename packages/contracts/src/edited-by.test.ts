import { cliEditedBy, CLI_TOOL_NAME, describeEditedBy, isDeletionRecord } from './edited-by';

describe('editedBy', () => {
  const arn = 'arn:aws:sts::123456789012:assumed-role/finance/ana';
  const at = new Date('2026-12-03T14:00:00Z');

  it('is written by the command line as its caller, the tool and the time, with action delete before a deletion', () => {
    expect(cliEditedBy(arn, at)).toEqual({ by: arn, via: CLI_TOOL_NAME, at: '2026-12-03T14:00:00.000Z' });
    expect(cliEditedBy(arn, at, 'delete')).toMatchObject({ action: 'delete' });
  });

  it('reads as a line: the command line’s map, a typed text, nothing for anything else', () => {
    expect(describeEditedBy(cliEditedBy(arn, at))).toBe(`${arn} (${CLI_TOOL_NAME})`);
    expect(describeEditedBy({ by: arn })).toBe(arn);
    expect(describeEditedBy('ana from finance')).toBe('ana from finance');
    expect(describeEditedBy('  ')).toBeUndefined();
    expect(describeEditedBy({ via: 'x' })).toBeUndefined();
    expect(describeEditedBy(['a'])).toBeUndefined();
    expect(describeEditedBy(new Set(['a']))).toBeUndefined();
    expect(describeEditedBy(42)).toBeUndefined();
  });

  it('announces a deletion only with action delete', () => {
    expect(isDeletionRecord(cliEditedBy(arn, at, 'delete'))).toBe(true);
    expect(isDeletionRecord(cliEditedBy(arn, at))).toBe(false);
    expect(isDeletionRecord('delete')).toBe(false);
    expect(isDeletionRecord(undefined)).toBe(false);
    expect(isDeletionRecord([{ action: 'delete' }])).toBe(false);
  });
});

/**
 * The edit history on the local cloud: a series of edits of one budget — created with the command
 * line, changed in the console (keeping the command line's editedBy), an invalid console edit
 * (REJECTED), deleted with the command line, which waits for the spoke to report the AWS Budget
 * deleted — then `org-budgets history` shows each, newest first, with what changed, who made it
 * where that is known, and its outcome (the deletion's: DELETED).
 */
import { runCli } from '@org-budgets/cli';
import type { LocalCloud } from '@org-budgets/sandbox';
import { report, startE2eCloud } from './support';

jest.setTimeout(300_000);

let cloud: LocalCloud;
let lab: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  cloud = await startE2eCloud({ memberAccounts: 1 });
  lab = cloud.memberAccounts[0] as string;
  process.env['AWS_ACCESS_KEY_ID'] = cloud.credentials.accessKeyId;
  process.env['AWS_SECRET_ACCESS_KEY'] = cloud.credentials.secretAccessKey;
  report(`history: local cloud up in ${cloud.timings['total']} ms`);
}, 240_000);

afterAll(async () => {
  process.env = savedEnv;
  await cloud?.stop();
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const stream = (write: (text: string) => void) =>
    ({
      isTTY: false,
      write(chunk: string | Uint8Array) {
        write(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        return true;
      },
    }) as unknown as NodeJS.WritableStream;
  const code = await runCli(['--endpoint-url', cloud.endpoint, '--table', cloud.tableName, ...args], {
    stdout: stream((t) => (stdout += t)),
    stderr: stream((t) => (stderr += t)),
    env: { AWS_REGION: cloud.region },
    cwd: process.cwd(),
  });
  return { code, stdout, stderr };
}

interface Entry {
  revision: string;
  kind: string;
  changes: { attribute: string; old?: unknown; new?: unknown }[];
  editedBy: string | null;
  outcome?: { status: string; message: string };
}

/** `history --json` until `done` holds for its entries (the last outcomes arrive through the stream). */
async function historyWhen(budget: string, done: (entries: Entry[]) => boolean): Promise<Entry[]> {
  let entries: Entry[] = [];
  for (let attempt = 0; attempt < 120; attempt += 1) {
    const run = await cli(['history', lab, budget, '--json']);
    if (run.code === 0) {
      entries = JSON.parse(run.stdout) as Entry[];
      if (done(entries)) return entries;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`history of ${budget} not as expected: ${JSON.stringify(entries, null, 2)}`);
}

describe('history', () => {
  it('shows every edit of a budget with what changed, who made it where known, and its outcome', async () => {
    const key = { accountId: lab, budgetName: 'research' };
    const created = await cli(['set', lab, 'research', '--amount', '100']);
    expect(created.code).toBe(0);
    const editedBy = (await cloud.getItem(key))?.['editedBy'];

    // Console edits: the whole item put again, keeping the command line's editedBy.
    const raised = await cloud.putItem({ ...key, amount: 200, editedBy });
    await cloud.waitForSync([key], { since: raised.at });
    const invalid = await cloud.putItem({ ...key, amount: 0, editedBy });
    await cloud.waitForSync([key], { since: invalid.at });
    // The deletion: the command waits until the spoke reports the AWS Budget deleted.
    const deleted = await cli(['delete', lab, 'research']);
    report(`history: delete printed\n${deleted.stderr}${deleted.stdout}`);
    expect(deleted).toMatchObject({ code: 0 });
    expect(deleted.stderr).toContain(
      `… ${lab}/research: deleted from the table; waiting for the hub and the member account\n`,
    );
    expect(deleted.stderr).toContain(`✔ ${lab}/research: DELETED — budget research deleted in account ${lab}`);
    expect(deleted.stdout).toBe(
      `DELETED ${lab}/research: budget research deleted in account ${lab}: its parameter is gone\n`,
    );

    const entries = await historyWhen(
      'research',
      (all) => all.length === 4 && all[0]?.kind === 'deleted' && all.every((entry) => entry.outcome),
    );

    const cliEditor = expect.stringMatching(/^arn:aws:\S+ \(org-budgets CLI\)$/);
    expect(entries).toEqual([
      expect.objectContaining({
        kind: 'deleted',
        changes: [{ attribute: 'amount', old: 0 }],
        editedBy: cliEditor,
        outcome: expect.objectContaining({
          status: 'DELETED',
          stage: 'apply',
          message: `budget research deleted in account ${lab}: its parameter is gone`,
        }),
      }),
      expect.objectContaining({
        kind: 'changed',
        changes: [{ attribute: 'amount', old: 200, new: 0 }],
        editedBy: null,
        outcome: expect.objectContaining({ status: 'REJECTED', message: expect.stringContaining('amount') }),
      }),
      expect.objectContaining({
        kind: 'changed',
        changes: [{ attribute: 'amount', old: 100, new: 200 }],
        editedBy: null,
        outcome: expect.objectContaining({ status: 'APPLIED' }),
      }),
      expect.objectContaining({
        kind: 'created',
        changes: [{ attribute: 'amount', new: 100 }],
        editedBy: cliEditor,
        outcome: expect.objectContaining({ status: 'APPLIED' }),
      }),
    ]);
    const revisions = entries.map((entry) => BigInt(entry.revision));
    expect([...revisions].sort((a, b) => (a < b ? 1 : -1))).toEqual(revisions);

    const table = await cli(['history', lab, 'research']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`${lab}/research: 4 edit(s), newest first`);
    expect(table.stdout).toContain('amount 200 → 0');
    expect(table.stdout).toContain('REJECTED: amount');
    expect(table.stdout).toContain(`DELETED: budget research deleted in account ${lab}`);
    expect(table.stdout).toContain('not recorded (console or another tool: see CloudTrail data events on the table)');
    expect(table.stdout).toContain('(org-budgets CLI)');
    const csv = await cli(['history', lab, 'research', '--csv']);
    expect(csv.stdout.split('\n')[0]).toBe('at,revision,kind,changes,editedBy,status,message');
  });

  it('says so for a budget without history', async () => {
    const run = await cli(['history', lab, 'no-such-budget']);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`no history for ${lab}/no-such-budget`);
  });
});

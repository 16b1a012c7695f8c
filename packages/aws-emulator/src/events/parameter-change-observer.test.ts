import type { EmittedEvent } from './event-bus';
import { ParameterChangeObserver, type ParameterLookup } from './parameter-change-observer';
import type { ParameterFacts } from './parameter-store-change';

const call = (operation: string, request: unknown) => ({
  accountId: '111111111111',
  region: 'eu-west-1',
  operation,
  request,
});

describe('ParameterChangeObserver', () => {
  let emitted: EmittedEvent[];
  let warnings: string[];
  let looked: string[][];
  let backend: Map<string, ParameterFacts>;
  let observer: ParameterChangeObserver;
  const lookup: ParameterLookup = async (names) => {
    looked.push(names);
    return new Map(names.flatMap((name) => (backend.has(name) ? [[name, backend.get(name) as ParameterFacts]] : [])));
  };

  beforeEach(() => {
    emitted = [];
    warnings = [];
    looked = [];
    backend = new Map();
    let id = 0;
    observer = new ParameterChangeObserver({
      emit: (event) => emitted.push(event),
      now: () => new Date('2026-11-23T10:00:00Z'),
      newId: () => `id-${++id}`,
      warn: (message) => warnings.push(message),
    });
  });

  const details = () => emitted.map((event) => event.detail);

  it('emits Create and Update from what it saw, without lookups', async () => {
    await observer.afterSuccess(
      call('PutParameter', { Name: '/p', Type: 'String', Value: 'v', Description: 'd' }),
      { Version: 1 },
      lookup,
    );
    await observer.afterSuccess(
      call('PutParameter', { Name: '/p', Value: 'w', Overwrite: true }),
      { Version: 2 },
      lookup,
    );
    await observer.beforeForward(call('DeleteParameter', { Name: '/p' }), lookup);
    await observer.afterSuccess(call('DeleteParameter', { Name: '/p' }), {}, lookup);
    expect(details()).toEqual([
      { operation: 'Create', name: '/p', type: 'String', description: 'd' },
      { operation: 'Update', name: '/p', type: 'String', description: 'd' },
      { operation: 'Delete', name: '/p', type: 'String', description: 'd' },
    ]);
    expect(looked).toEqual([]);
    expect(emitted[0]).toMatchObject({
      id: 'id-1',
      account: '111111111111',
      region: 'eu-west-1',
      time: '2026-11-23T10:00:00Z',
      resources: ['arn:aws:ssm:eu-west-1:111111111111:parameter/p'],
    });
  });

  it('looks up parameters it never saw: before a deletion, after an overwrite', async () => {
    backend.set('/made-elsewhere', { type: 'SecureString', description: 'secret' });
    backend.set('/other', { type: 'StringList', description: '' });
    await observer.beforeForward(call('DeleteParameters', { Names: ['/made-elsewhere', '/missing'] }), lookup);
    await observer.afterSuccess(
      call('DeleteParameters', { Names: ['/made-elsewhere', '/missing'] }),
      { DeletedParameters: ['/made-elsewhere'], InvalidParameters: ['/missing'] },
      lookup,
    );
    await observer.afterSuccess(
      call('PutParameter', { Name: '/other', Value: 'v', Overwrite: true }),
      { Version: 4 },
      lookup,
    );
    expect(looked).toEqual([['/made-elsewhere', '/missing'], ['/other']]);
    expect(details()).toEqual([
      { operation: 'Delete', name: '/made-elsewhere', type: 'SecureString', description: 'secret' },
      { operation: 'Update', name: '/other', type: 'StringList', description: '' },
    ]);
  });

  it('still emits when a lookup fails, and says so', async () => {
    const failing: ParameterLookup = () => Promise.reject(new Error('moto is gone'));
    await observer.beforeForward(call('DeleteParameter', { Name: '/x' }), failing);
    await observer.afterSuccess(call('DeleteParameter', { Name: '/x' }), {}, failing);
    expect(details()).toEqual([{ operation: 'Delete', name: '/x', type: 'String', description: '' }]);
    expect(warnings[0]).toContain('moto is gone');
    expect(warnings[1]).toContain('the type of parameter /x');
  });

  it('forgets what it learned when cleared', async () => {
    await observer.afterSuccess(
      call('PutParameter', { Name: '/p', Type: 'String', Value: 'v' }),
      { Version: 1 },
      lookup,
    );
    observer.clear();
    await observer.beforeForward(call('DeleteParameter', { Name: '/p' }), lookup);
    expect(looked).toEqual([['/p']]);
  });
});

import { lazyClient, onFirstCall } from './on-first-use';

describe('onFirstCall', () => {
  it('loads on the first call only, and gives every call the same result', async () => {
    const load = jest.fn(async () => ({ loaded: true }));
    const get = onFirstCall(load);
    expect(load).not.toHaveBeenCalled();

    const [first, second] = await Promise.all([get(), get()]);

    expect(first).toBe(second);
    expect(await get()).toBe(first);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('fails every call with the error of a load that failed, without loading again', async () => {
    const load = jest.fn(async () => {
      throw new Error('Cannot find module ./sns-sdk');
    });
    const get = onFirstCall(load);

    await expect(get()).rejects.toThrow('Cannot find module ./sns-sdk');
    await expect(get()).rejects.toThrow('Cannot find module ./sns-sdk');
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('turns a load that throws at once into a failed promise, kept like any other failure', async () => {
    const load = jest.fn((): Promise<never> => {
      throw new TypeError('not a constructor');
    });
    const get = onFirstCall(load);

    await expect(get()).rejects.toThrow(TypeError);
    await expect(get()).rejects.toThrow('not a constructor');
    expect(load).toHaveBeenCalledTimes(1);
  });
});

describe('lazyClient', () => {
  class FakeClient {
    readonly sent: unknown[] = [];
    async send(command: { name: string }): Promise<string> {
      this.sent.push(command);
      return `${command.name} sent`;
    }
  }

  it('creates the client at its first send, once, and sends through it', async () => {
    const created: FakeClient[] = [];
    const create = jest.fn(async () => {
      const client = new FakeClient();
      created.push(client);
      return client;
    });
    const client = lazyClient(create);
    expect(create).not.toHaveBeenCalled();

    expect(await client.send({ name: 'a' })).toBe('a sent');
    expect(await client.send({ name: 'b' })).toBe('b sent');

    expect(create).toHaveBeenCalledTimes(1);
    expect(created[0]!.sent).toEqual([{ name: 'a' }, { name: 'b' }]);
  });

  it('fails every send when the client cannot be loaded or created, with that error', async () => {
    const create = jest.fn(async (): Promise<FakeClient> => {
      throw new Error('the module failed to load');
    });
    const client = lazyClient(create);

    await expect(client.send({ name: 'a' })).rejects.toThrow('the module failed to load');
    await expect(client.send({ name: 'b' })).rejects.toThrow('the module failed to load');
    expect(create).toHaveBeenCalledTimes(1);
  });

  it("passes a command's failure through as it is", async () => {
    const client = lazyClient(async () => ({
      send: async (_command: { name: string }): Promise<string> => {
        throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
      },
    }));

    await expect(client.send({ name: 'a' })).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: 'denied',
    });
  });
});

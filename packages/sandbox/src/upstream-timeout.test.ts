import { upstreamTimeoutFor } from './local-cloud';

describe('upstreamTimeoutFor', () => {
  it('keeps the front door’s 60 s for a few accounts', () => {
    expect(upstreamTimeoutFor(3)).toBe(60_000);
  });

  it('gives moto 1 s per account once the rollout’s one call creates more stacks than that', () => {
    expect(upstreamTimeoutFor(500)).toBe(500_000);
  });
});

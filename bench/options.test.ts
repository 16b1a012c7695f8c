import { numberOptions } from './options';

describe('numberOptions', () => {
  it('takes the defaults, the values given, and skips the `--` pnpm passes on', () => {
    expect(numberOptions({ jobs: 300, 'ddb-ms': 10 }, ['--', '--jobs', '50'])).toEqual({ jobs: 50, 'ddb-ms': 10 });
  });
  it('names the option that is not a number', () => {
    expect(() => numberOptions({ jobs: 300 }, ['--jobs', 'many'])).toThrow('--jobs must be a number, got many');
  });
  it('refuses an unknown option', () => {
    expect(() => numberOptions({ jobs: 300 }, ['--job', '5'])).toThrow(/Unknown option '--job'/);
  });
});

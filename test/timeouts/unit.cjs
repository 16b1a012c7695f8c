/* global jest */
// The unit project's time limit per test and hook. jest takes `testTimeout` from the global
// configuration only, so a project sets its own here (setupFilesAfterEnv is per project).
// A limit only ever ends a test that hangs; speed is measured by the benchmarks, not by tests.
jest.setTimeout(30000);

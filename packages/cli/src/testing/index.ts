export * from './report-browser';
export * from './report-fixtures';

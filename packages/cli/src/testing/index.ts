export * from './report-browser';
export * from './report-fixtures';
export * from './output-sink';

/** A writable the command line can print to in a test (not a terminal: no spinner, no bar), and what it got. */
export function outputSink(): { stream: NodeJS.WritableStream & { isTTY: boolean }; text: () => string } {
  let text = '';
  const stream = {
    isTTY: false,
    write(chunk: string | Uint8Array) {
      text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    },
  };
  return { stream: stream as unknown as NodeJS.WritableStream & { isTTY: boolean }, text: () => text };
}

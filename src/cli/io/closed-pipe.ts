/**
 * A reader that goes away early (`vmx audit list --json | head -1`) is not a failure of the command:
 * it asked for no more. Node ignores SIGPIPE, so the next write to the closed pipe fails with EPIPE
 * and, with no listener, the stream's 'error' event crashes the process with a stack trace. Here the
 * process ends at once, quietly and with exit code 0, as a program killed by SIGPIPE would end
 * unnoticed in a shell. Any other stream error is still an error.
 */
export function endQuietlyWhenReaderCloses(streams: NodeJS.WritableStream[], exit = process.exit): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') exit(0);
      throw error;
    });
  }
}

/**
 * Reads that may hold one of Node's pool threads for as long as nobody writes: a FIFO or a pipe given as a file.
 * The process cannot `exit()` while one is stuck (Node waits for its threads), so the exit has to know.
 */
let inFlight = 0;

export async function blockingRead<T>(read: () => Promise<T>): Promise<T> {
  inFlight++;
  try {
    return await read();
  } finally {
    inFlight--;
  }
}

export function blockingReadsInFlight(): boolean {
  return inFlight > 0;
}

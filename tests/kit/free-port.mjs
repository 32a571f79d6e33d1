// The one way tests and benchmarks pick a loopback port. Plain JavaScript (typed by
// free-port.d.mts) so that scripts run by Node without a TypeScript loader (scripts/bench/) can
// import it; TypeScript code imports it through processes.ts.
import { createServer } from 'node:net';

/** An unused loopback TCP port, chosen by the kernel. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback proxy in front of moto that answers the next AssumeRoleWithWebIdentity calls with
 * the error documents real STS returns (moto never refuses a token), then forwards to moto.
 * Error bodies follow STS's Query-protocol error shape.
 */
export interface StsFault {
  status: number;
  code: string;
  message: string;
}

export const FAULTS = {
  throttling: { status: 400, code: 'Throttling', message: 'Rate exceeded' },
  accessDenied: {
    status: 403,
    code: 'AccessDenied',
    message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity'
  },
  noProvider: {
    status: 400,
    code: 'InvalidIdentityToken',
    message:
      'No OpenIDConnect provider found in your account for https://token.actions.githubusercontent.com'
  }
} satisfies Record<string, StsFault>;

export interface StsFaultProxy {
  endpoint: string;
  /** Faults still to serve, in order. */
  queue: StsFault[];
  /** Actions seen, in order (e.g. AssumeRoleWithWebIdentity, GetCallerIdentity). */
  actions: string[];
  stop(): Promise<void>;
}

function errorDocument(fault: StsFault): string {
  return (
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n' +
    `  <Error>\n    <Type>Sender</Type>\n    <Code>${fault.code}</Code>\n` +
    `    <Message>${fault.message}</Message>\n  </Error>\n` +
    '  <RequestId>4c1b3fd5-0b6e-4a51-9d3e-1f8f2b0f5e21</RequestId>\n</ErrorResponse>\n'
  );
}

export async function startStsFaultProxy(upstream: string): Promise<StsFaultProxy> {
  const proxy: StsFaultProxy = { endpoint: '', queue: [], actions: [], stop: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const action = /Action=(\w+)/.exec(body.toString())?.[1] ?? '?';
      proxy.actions.push(action);
      const fault = action === 'AssumeRoleWithWebIdentity' ? proxy.queue.shift() : undefined;
      if (fault) {
        res.writeHead(fault.status, { 'Content-Type': 'text/xml' }).end(errorDocument(fault));
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
      }
      fetch(`${upstream}${req.url ?? '/'}`, { method: req.method ?? 'POST', headers, body })
        .then(async (answer) => {
          const text = Buffer.from(await answer.arrayBuffer());
          res
            .writeHead(answer.status, {
              'Content-Type': answer.headers.get('content-type') ?? 'text/xml'
            })
            .end(text);
        })
        .catch((error: unknown) => res.writeHead(502).end(String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

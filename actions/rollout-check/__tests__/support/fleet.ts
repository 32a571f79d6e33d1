import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardToMoto, readRequestBody } from '../../../../tests/kit/stand-ins/moto.js';

/**
 * The app servers moto does not run. moto's SSM answers every command with Success at once and
 * its target group reports every registered target healthy; this loopback proxy in front of moto
 * makes the servers behave as servers running the images they were given would: it notes the
 * images each SendCommand hands each server (the deploy document's parameters), and for images
 * the test calls bad it answers GetCommandInvocation with the document failing, or
 * DescribeTargetHealth with the target never turning healthy. Everything else goes to moto.
 */
export type ServerBehaviour = 'ok' | 'command-fails' | 'unhealthy';

/** How a server behaves with the given document parameters (e.g. { backendImage: [...] }). */
export type Behaviour = (
  instanceId: string,
  parameters: Record<string, string[]>
) => ServerBehaviour;

export interface SentCommand {
  commandId: string;
  documentName: string;
  instanceIds: string[];
  parameters: Record<string, string[]>;
}

export interface FleetStandIn {
  /** Use as AWS_ENDPOINT_URL_SSM and AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2. */
  endpoint: string;
  /** Every SendCommand that reached moto, in order. */
  commands: SentCommand[];
  stop(): Promise<void>;
}

/** A target in moto's DescribeTargetHealth answer turned unhealthy, as an ALB reports it. */
function unhealthy(xml: string, instanceIds: ReadonlySet<string>): string {
  return xml.replace(/<member>([\s\S]*?)<\/member>/g, (member: string, inner: string) => {
    const id = /<Id>([^<]+)<\/Id>/.exec(inner)?.[1] ?? '';
    // Only a target in service fails its health check; one leaving or gone stays as moto says.
    if (!instanceIds.has(id) || !inner.includes('<State>healthy</State>')) return member;
    return member.replace(
      /<TargetHealth>[\s\S]*?<\/TargetHealth>/,
      '<TargetHealth><State>unhealthy</State><Reason>Target.FailedHealthChecks</Reason>' +
        '<Description>Health checks failed with these codes: [502]</Description></TargetHealth>'
    );
  });
}

export async function startFleet(upstream: string, behaviour: Behaviour): Promise<FleetStandIn> {
  const commands: SentCommand[] = [];
  /** What each server last started (its document succeeded): instance → parameters. */
  const running = new Map<string, Record<string, string[]>>();
  /** Commands whose document fails: `${commandId} ${instanceId}`. */
  const failing = new Set<string>();

  const forward = (req: IncomingMessage, body: Buffer) => forwardToMoto(upstream, req, body);

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readRequestBody(req);
      const target = String(req.headers['x-amz-target'] ?? '');
      const form = new URLSearchParams(body.toString());

      if (target === 'AmazonSSM.GetCommandInvocation') {
        const ask = JSON.parse(body.toString()) as { CommandId: string; InstanceId: string };
        if (failing.has(`${ask.CommandId} ${ask.InstanceId}`)) {
          res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1' }).end(
            JSON.stringify({
              CommandId: ask.CommandId,
              InstanceId: ask.InstanceId,
              Status: 'Failed',
              StatusDetails: 'Failed',
              ResponseCode: 1,
              StandardOutputContent: '[deploy] Pulling images\n[deploy] Starting the containers',
              StandardErrorContent:
                'The frontend did not answer on http://127.0.0.1:3000/readyz after 5 minutes'
            })
          );
          return;
        }
      }

      const answer = await forward(req, body);

      if (target === 'AmazonSSM.SendCommand' && answer.status === 200) {
        const sent = JSON.parse(body.toString()) as {
          DocumentName: string;
          InstanceIds?: string[];
          Parameters?: Record<string, string[]>;
        };
        const commandId =
          (JSON.parse(answer.text) as { Command?: { CommandId?: string } }).Command?.CommandId ??
          '';
        const parameters = sent.Parameters ?? {};
        const instanceIds = sent.InstanceIds ?? [];
        commands.push({ commandId, documentName: sent.DocumentName, instanceIds, parameters });
        for (const id of instanceIds) {
          const outcome = behaviour(id, parameters);
          if (outcome === 'command-fails') failing.add(`${commandId} ${id}`);
          // A failed document leaves the server as it was (ecommerce-deploy stops before up -d
          // or fails its health wait: here the former).
          else running.set(id, parameters);
        }
      }

      let text = answer.text;
      if (form.get('Action') === 'DescribeTargetHealth' && answer.status === 200) {
        const sick = new Set(
          [...running].filter(([id, p]) => behaviour(id, p) === 'unhealthy').map(([id]) => id)
        );
        text = unhealthy(text, sick);
      }
      res.writeHead(answer.status, { 'Content-Type': answer.type }).end(text);
    })().catch((error: unknown) => res.writeHead(502).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    commands,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      })
  };
}

import {
  DescribeInstanceStatusCommand,
  DescribeInstancesCommand,
  EC2Client,
  type Filter
} from '@aws-sdk/client-ec2';

/** What the check knows about one app server. */
export interface ServerState {
  id: string;
  name: string;
  zone: string;
  /** pending, running, stopping, stopped, shutting-down. */
  state: string;
  /** EC2's instance status check: ok, initializing, impaired, insufficient-data, not-applicable. */
  instanceStatus: string;
  systemStatus: string;
}

export function isReady(server: ServerState): boolean {
  return (
    server.state === 'running' && server.instanceStatus === 'ok' && server.systemStatus === 'ok'
  );
}

export function ec2Client(region: string, endpoint: string | undefined): EC2Client {
  // Credentials and (without `endpoint`) AWS_ENDPOINT_URL_EC2 come from the environment the
  // aws-credentials action exported.
  return new EC2Client({ region, ...(endpoint ? { endpoint } : {}), maxAttempts: 3 });
}

/**
 * The servers with all the given tags that are not terminated, with their status checks.
 * Terminated ones are left out: a replaced server lingers as terminated for an hour.
 */
export async function describeServers(
  client: EC2Client,
  tags: Record<string, string>
): Promise<ServerState[]> {
  const filters: Filter[] = [
    ...Object.entries(tags).map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] })),
    {
      Name: 'instance-state-name',
      Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down']
    }
  ];
  const servers = new Map<string, ServerState>();
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new DescribeInstancesCommand({ Filters: filters, NextToken: nextToken })
    );
    for (const reservation of page.Reservations ?? []) {
      for (const instance of reservation.Instances ?? []) {
        if (!instance.InstanceId) continue;
        servers.set(instance.InstanceId, {
          id: instance.InstanceId,
          name: instance.Tags?.find((t) => t.Key === 'Name')?.Value ?? '',
          zone: instance.Placement?.AvailabilityZone ?? '',
          state: instance.State?.Name ?? 'unknown',
          instanceStatus: 'not-applicable',
          systemStatus: 'not-applicable'
        });
      }
    }
    nextToken = page.NextToken;
  } while (nextToken);

  if (servers.size > 0) {
    // IncludeAllInstances: also stopped ones, whose checks are "not-applicable".
    const status = await client.send(
      new DescribeInstanceStatusCommand({
        InstanceIds: [...servers.keys()],
        IncludeAllInstances: true
      })
    );
    for (const s of status.InstanceStatuses ?? []) {
      const server = s.InstanceId ? servers.get(s.InstanceId) : undefined;
      if (!server) continue;
      server.state = s.InstanceState?.Name ?? server.state;
      server.instanceStatus = s.InstanceStatus?.Status ?? 'not-applicable';
      server.systemStatus = s.SystemStatus?.Status ?? 'not-applicable';
    }
  }
  return [...servers.values()].sort(
    (a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id)
  );
}

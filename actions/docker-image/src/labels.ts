/** What the OCI labels describe. */
export interface LabelSource {
  serverUrl: string;
  repository: string;
  sha: string;
  version: string;
  title: string;
  description?: string;
  created: Date;
}

/**
 * The OCI image annotations (github.com/opencontainers/image-spec, annotations.md) for a build:
 * where the image's source is, which commit, which version, when. Extra labels given by the
 * workflow override these.
 */
export function ociLabels(
  source: LabelSource,
  extra: Readonly<Record<string, string>> = {}
): Record<string, string> {
  const url = `${source.serverUrl}/${source.repository}`;
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': source.title,
    'org.opencontainers.image.source': url,
    'org.opencontainers.image.url': url,
    'org.opencontainers.image.revision': source.sha,
    'org.opencontainers.image.version': source.version,
    'org.opencontainers.image.created': source.created.toISOString()
  };
  if (source.description) labels['org.opencontainers.image.description'] = source.description;
  return { ...labels, ...extra };
}

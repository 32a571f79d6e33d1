import { cell, markdownTable } from '../../shared/src/summary.js';

/** What the report step is given by the steps before it. */
export interface ReportInputs {
  image: string;
  tags: string[];
  push: boolean;
  platforms: string[];
  /** build-push-action's `digest` output: the pushed manifest's digest. */
  digest: string;
  /** The next step attests the digest (GitHub artifact attestation); owner/name to verify with. */
  attestedIn?: string;
}

export interface Report {
  /** `<image>@sha256:…` when pushed, else empty. */
  imageRef: string;
  digest: string;
  markdown: string;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Check the build's result and describe it; the digest reference is what the deploy pins. */
export function buildReport(inputs: ReportInputs): Report {
  if (inputs.push && !DIGEST.test(inputs.digest)) {
    throw new Error(
      `the build step pushed ${inputs.image} but reported no valid digest ("${inputs.digest}"); nothing can be pinned.`
    );
  }
  const imageRef = inputs.push ? `${inputs.image}@${inputs.digest}` : '';
  const rows: string[][] = [
    ['Image', `\`${inputs.image}\``],
    ['Pushed', inputs.push ? 'yes' : 'no (built only)'],
    ['Digest', inputs.digest ? `\`${inputs.digest}\`` : '—'],
    ['Tags', inputs.tags.map((t) => `\`${t}\``).join(' ')],
    ['Platforms', inputs.platforms.join(', ')]
  ];
  const lines = [
    `### Image ${cell(inputs.image.split('/').at(-1))}`,
    '',
    markdownTable(['', ''], rows),
    ''
  ];
  if (imageRef) {
    lines.push(
      'Deploy this exact build by its digest (tags can move):',
      '',
      '```',
      imageRef,
      '```',
      ''
    );
    if (inputs.attestedIn) {
      lines.push(
        'Attested: the image carries its SBOM and SLSA provenance (mode=max), and GitHub signs ' +
          'an artifact attestation of this digest. Check it before running it:',
        '',
        '```',
        `gh attestation verify oci://${imageRef} --repo ${inputs.attestedIn}`,
        '```',
        ''
      );
    }
  }
  return { imageRef, digest: inputs.digest, markdown: lines.join('\n') };
}

import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  canonicalJson,
  compareFingerprints,
  describeDifference,
  fingerprintPlan
} from '../src/fingerprint.js';
import { parsePlanJson } from '../src/plan-json.js';
import {
  FRONT_A,
  FRONT_B,
  IMAGE_A,
  IMAGE_B,
  resource,
  shopPlan,
  launchTemplate,
  appUserData
} from './support/plans.js';

const IMAGES = ['backend_image', 'frontend_image'];
const SG = (ingressPort: number) =>
  resource('module.vpc.aws_security_group.app', ['update'], {
    name: 'ecommerce-app',
    ingress: [{ from_port: ingressPort, to_port: ingressPort, cidr_blocks: ['10.0.0.0/16'] }]
  });

describe('fingerprintPlan', () => {
  it('the real Terraform 1.11.4 plan: every managed change but no-ops, replacements as delete then create', () => {
    const doc = parsePlanJson(
      readFileSync(
        path.join(import.meta.dirname, 'fixtures/real-1.11.4-terraform-data.plan.json'),
        'utf8'
      )
    );
    const fp = fingerprintPlan(doc);
    expect(fp.entries.map((e) => [e.address, e.actions.join(',')])).toEqual([
      ['terraform_data.app', 'update'],
      ['terraform_data.db', 'delete,create'],
      ['terraform_data.new', 'create'],
      ['terraform_data.old', 'delete']
    ]);
    expect(fp.digest).toMatch(/^[0-9a-f]{64}$/);
    for (const e of fp.entries) expect(e.after).toMatch(/^[0-9a-f]{32}$/);
  });

  it('a pull request planned with the deployed images and the deploy with new ones: the same fingerprint', () => {
    // On the pull request the launch template is a no-op; after the merge, a new version.
    const reviewed = fingerprintPlan(
      shopPlan({ backend: IMAGE_A, frontend: FRONT_A }, [SG(443)]),
      IMAGES
    );
    const deploy = fingerprintPlan(
      shopPlan({ backend: IMAGE_B, frontend: FRONT_B }, [SG(443)]),
      IMAGES
    );
    expect(deploy.digest).toBe(reviewed.digest);
    expect(deploy.entries.map((e) => e.address)).toEqual(['module.vpc.aws_security_group.app']);
    expect(deploy.unreviewedOnly).toEqual(['module.ec2.aws_launch_template.app']);
  });

  it('without unreviewed-variables the image updates are changes like any other', () => {
    const reviewed = fingerprintPlan(shopPlan({ backend: IMAGE_A, frontend: FRONT_A }, [SG(443)]));
    const deploy = fingerprintPlan(shopPlan({ backend: IMAGE_B, frontend: FRONT_B }, [SG(443)]));
    expect(deploy.digest).not.toBe(reviewed.digest);
    expect(compareFingerprints(reviewed.entries, deploy.entries).map((d) => d.address)).toEqual([
      'module.ec2.aws_launch_template.app'
    ]);
  });

  it('a value that embeds the image is compared with the image as ${var.<name>}; the rest of it still counts', () => {
    const server = (image: string, size: string) =>
      resource('module.ec2.aws_instance.app["az1"]', ['create'], {
        instance_type: size,
        user_data: `docker run ${image}`
      });
    const a = fingerprintPlan(
      shopPlan({ backend: IMAGE_A, frontend: FRONT_A }, [server(IMAGE_A, 't3.small')]),
      IMAGES
    );
    const b = fingerprintPlan(
      shopPlan({ backend: IMAGE_B, frontend: FRONT_B }, [server(IMAGE_B, 't3.small')]),
      IMAGES
    );
    const c = fingerprintPlan(
      shopPlan({ backend: IMAGE_B, frontend: FRONT_B }, [server(IMAGE_B, 't3.large')]),
      IMAGES
    );
    expect(b.digest).toBe(a.digest);
    expect(c.digest).not.toBe(a.digest);
  });

  describe('a launch template whose user data (base64gzip, as Terraform encodes it) names the images', () => {
    const userData = appUserData;
    const template = (before: string | null, after: string) =>
      resource(
        'module.ec2.aws_launch_template.app',
        before === after ? ['no-op'] : ['update'],
        { name: 'ecommerce-app', user_data: after },
        {
          before:
            before === null
              ? null
              : { name: 'ecommerce-app', user_data: before, latest_version: 4 },
          after_unknown: before === after ? {} : { latest_version: true, default_version: true }
        }
      );
    const deployed = userData(IMAGE_A, FRONT_A);
    const fp = (backend: string, frontend: string, change: ReturnType<typeof template>) =>
      fingerprintPlan(shopPlan({ backend, frontend }, [change]), IMAGES);

    it('a new image only: the new version is no change to review', () => {
      const deploy = fp(IMAGE_B, FRONT_B, template(deployed, userData(IMAGE_B, FRONT_B)));
      expect(deploy.entries).toEqual([]);
      expect(deploy.unreviewedOnly).toContain('module.ec2.aws_launch_template.app');
    });

    it('a compose change planned on the pull request with the running images matches the deploy with new ones', () => {
      const reviewed = fp(
        IMAGE_A,
        FRONT_A,
        template(deployed, userData(IMAGE_A, FRONT_A, 'services: {web: {}}'))
      );
      const deploy = fp(
        IMAGE_B,
        FRONT_B,
        template(deployed, userData(IMAGE_B, FRONT_B, 'services: {web: {}}'))
      );
      const other = fp(
        IMAGE_B,
        FRONT_B,
        template(deployed, userData(IMAGE_B, FRONT_B, 'services: {db: {}}'))
      );
      expect(reviewed.entries.map((e) => e.address)).toEqual([
        'module.ec2.aws_launch_template.app'
      ]);
      expect(deploy.digest).toBe(reviewed.digest);
      expect(other.digest).not.toBe(reviewed.digest);
    });

    it('an image in another repository is not an unreviewed value', () => {
      const elsewhere = `docker.io/mallory/ecommerce-backend@sha256:${'e'.repeat(64)}`;
      const deploy = fp(IMAGE_B, FRONT_B, template(deployed, userData(elsewhere, FRONT_B)));
      expect(deploy.entries.map((e) => e.address)).toEqual(['module.ec2.aws_launch_template.app']);
    });

    it('a tag kept before the digest is part of the image, not of the review', () => {
      const tagged = `docker.io/octo/ecommerce-backend:sha-1a2b3c4@sha256:${'f'.repeat(64)}`;
      expect(fp(tagged, FRONT_B, template(deployed, userData(tagged, FRONT_B))).entries).toEqual(
        []
      );
    });
  });

  it('an update that changes an image and something else is a change', () => {
    const both = launchTemplate([IMAGE_A, FRONT_A], [IMAGE_B, FRONT_A]);
    both.change.before = { ...(both.change.before as object), instance_type: 't3.small' };
    both.change.after = { ...(both.change.after as object), instance_type: 't3.medium' };
    const fp = fingerprintPlan(shopPlan({ backend: IMAGE_B, frontend: FRONT_A }, []), IMAGES);
    const withBoth = fingerprintPlan(
      { ...shopPlan({ backend: IMAGE_B, frontend: FRONT_A }), resource_changes: [both] },
      IMAGES
    );
    expect(fp.entries).toEqual([]);
    expect(withBoth.entries.map((e) => e.address)).toEqual(['module.ec2.aws_launch_template.app']);
  });

  it('values Terraform does not know yet are left out; a known value that differs is not', () => {
    const made = (id: string | undefined, name: string) =>
      resource('aws_lb.this', ['create'], id === undefined ? { name } : { name, id }, {
        after_unknown: { id: true }
      });
    const plain = fingerprintPlan(
      shopPlan({ backend: IMAGE_A, frontend: FRONT_A }, [made(undefined, 'shop')])
    );
    const withNull = fingerprintPlan(
      shopPlan({ backend: IMAGE_A, frontend: FRONT_A }, [made('x', 'shop')])
    );
    const renamed = fingerprintPlan(
      shopPlan({ backend: IMAGE_A, frontend: FRONT_A }, [made(undefined, 'shop2')])
    );
    expect(withNull.digest).toBe(plain.digest);
    expect(renamed.digest).not.toBe(plain.digest);
  });

  it('sensitive values never reach the fingerprint, but the resource and its action do', () => {
    const secret = (password: string) =>
      resource(
        'module.rds.aws_db_instance.this',
        ['update'],
        { password, instance_class: 'db.t3.micro' },
        {
          after_sensitive: { password: true }
        }
      );
    const one = fingerprintPlan(
      shopPlan({ backend: IMAGE_A, frontend: FRONT_A }, [secret('hunter2')])
    );
    const two = fingerprintPlan(
      shopPlan({ backend: IMAGE_A, frontend: FRONT_A }, [secret('correct horse')])
    );
    expect(one.digest).toBe(two.digest);
    expect(one.entries.map((e) => e.address)).toEqual(['module.rds.aws_db_instance.this']);
    const leaked = createHash('sha256')
      .update(canonicalJson({ instance_class: 'db.t3.micro', password: 'hunter2' }))
      .digest('hex')
      .slice(0, 32);
    expect(one.entries[0]?.after).not.toBe(leaked);
  });

  it('object key order and data sources do not matter', () => {
    const a = resource('aws_lb.this', ['create'], { name: 'shop', internal: false });
    const b = resource('aws_lb.this', ['create'], { internal: false, name: 'shop' });
    const data = {
      ...resource('data.aws_ami.al2023', ['read'], { id: 'ami-1' }),
      mode: 'data' as const
    };
    expect(
      fingerprintPlan(shopPlan({ backend: IMAGE_A, frontend: FRONT_A }, [a, data])).digest
    ).toBe(fingerprintPlan(shopPlan({ backend: IMAGE_A, frontend: FRONT_A }, [b])).digest);
  });
});

describe('compareFingerprints', () => {
  it('names each resource that differs and how', () => {
    const reviewed = fingerprintPlan(
      shopPlan({ backend: IMAGE_A, frontend: FRONT_A }, [
        SG(443),
        resource('aws_lb.this', ['update'], { idle_timeout: 60 }),
        resource('aws_s3_bucket.logs', ['create'], { bucket: 'logs' })
      ]),
      IMAGES
    ).entries;
    const current = fingerprintPlan(
      shopPlan({ backend: IMAGE_B, frontend: FRONT_B }, [
        SG(22),
        resource('aws_lb.this', ['delete', 'create'], { idle_timeout: 60 }),
        resource('module.rds.aws_db_instance.this', ['delete'], null)
      ]),
      IMAGES
    ).entries;
    expect(compareFingerprints(reviewed, current).map(describeDifference)).toEqual([
      'aws_lb.this: reviewed update, now delete then create',
      'aws_s3_bucket.logs: the reviewed plan would create it; this plan leaves it alone',
      'module.rds.aws_db_instance.this: not in the reviewed plan; this plan would delete it',
      'module.vpc.aws_security_group.app: update with other values than reviewed'
    ]);
    expect(compareFingerprints(reviewed, reviewed)).toEqual([]);
  });
});

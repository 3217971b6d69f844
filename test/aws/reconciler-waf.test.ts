/** `wafv2-acl-arn`: associate, replace, and `none` disassociates; absent leaves WAF alone. */
import { CreateWebACLCommand, GetWebACLForResourceCommand } from '@aws-sdk/client-wafv2';
import { beforeAll, beforeEach, expect, inject, it } from 'vitest';
import { seedLocalWorld } from '../../cli/dev/seed';
import { type AwsClients, createAwsClients, reconcileStack } from '../../lambda/reconciler/index';
import { CLUSTER, snapshotFor, threeMemberGroup } from '../support/group-fixture';

const endpoint = inject('motoEndpoint');
const P = 'alb.ingress.kubernetes.io/';
let c: AwsClients;

beforeAll(() => {
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  c = createAwsClients({ endpoint, region: 'us-east-1', maxAttempts: 1 });
});
beforeEach(async () => {
  await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  await seedLocalWorld({ endpoint, region: 'us-east-1' }, CLUSTER);
});

async function webAcl(name: string): Promise<string> {
  const r = await c.wafv2!.send(
    new CreateWebACLCommand({
      Name: name,
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      VisibilityConfig: { SampledRequestsEnabled: false, CloudWatchMetricsEnabled: false, MetricName: name },
    }),
  );
  return r.Summary!.ARN!;
}

it('associates, switches and disassociates the WebACL', async () => {
  const [a, b] = [await webAcl('a'), await webAcl('b')];
  let lastChanges: string[] = [];
  const run = async (value: string | undefined) => {
    const r = await reconcileStack(
      snapshotFor(threeMemberGroup({ shared: value ? { [`${P}wafv2-acl-arn`]: value } : {} })),
      c,
      { cluster: CLUSTER },
    );
    if (r.outcome === 'Failed') throw new Error(r.error.message);
    // The digest tags record every new snapshot; what matters here is what happened to WAF.
    lastChanges = r.changes.filter((x) => x.kind !== 'Tags').map((x) => x.detail ?? '');
    return (await c.wafv2!.send(new GetWebACLForResourceCommand({ ResourceArn: await lbArn() }))).WebACL?.ARN;
  };
  const lbArn = async () => {
    const { DescribeLoadBalancersCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
    return (await c.elbv2.send(new DescribeLoadBalancersCommand({}))).LoadBalancers![0]!.LoadBalancerArn!;
  };
  expect(await run(a)).toBe(a);
  expect(await run(undefined)).toBe(a);
  expect(lastChanges).toEqual([]);
  expect(await run('none')).toBeUndefined();
  expect(await run(b)).toBe(b);
  // Switching: AWS replaces the association in one call (moto keeps both, so assert the call made).
  await run(a);
  expect(lastChanges).toContain(`associate WAF WebACL ${a}`);
  expect(lastChanges.some((d) => d.startsWith('disassociate'))).toBe(false);
});

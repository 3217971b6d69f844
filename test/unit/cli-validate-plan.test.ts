/** `albatross validate` and `plan` as a user runs them: a spawned process, its output and exit code. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['bin/albatross.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, AWS_ENDPOINT_URL: '' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('albatross validate', () => {
  it('exits 0 on valid manifests', () => {
    const r = cli('validate', 'examples/shop');
    expect(r.code).toBe(0);
    expect(r.out).toContain('3 managed Ingress(es) valid');
  });

  it('lists every problem as namespace/name: annotation: value: expected …, warnings too, and exits 1', () => {
    const r = cli('validate', 'test/fixtures/cli/conflict.yaml');
    expect(r.code).toBe(1);
    const lines = r.out.split('\n');
    expect(lines).toContain(
      'team-b/api: alb.ingress.kubernetes.io/healthcheck-interval-seconds: 3: expected an integer from 5 to 300',
    );
    expect(lines).toContain(
      'team-b/api: spec.rules[0].http.paths[0].path: /v1*: expected no wildcard (* or ?) in an Exact path',
    );
    expect(lines).toContain(
      'team-a/web: alb.ingress.kubernetes.io/scheme: internet-facing: expected internal to match team-b/api (IngressGroup shared)',
    );
    expect(lines).toContain(
      'team-b/api: alb.ingress.kubernetes.io/scheme: internal: expected internet-facing to match team-a/web (IngressGroup shared)',
    );
    expect(lines).toContain(
      'warning: team-b/api: unknown annotation alb.ingress.kubernetes.io/shceme; did you mean alb.ingress.kubernetes.io/scheme?',
    );
    expect(r.out).not.toContain('team-c/other');
    expect(r.err).toBe('');
  });

  it('--json reports the same problems as data', () => {
    const r = cli('validate', '--json', 'test/fixtures/cli/conflict.yaml');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(report.ok).toBe(false);
    expect(report.problems).toContainEqual(
      expect.objectContaining({
        namespace: 'team-b',
        name: 'api',
        field: 'alb.ingress.kubernetes.io/healthcheck-interval-seconds',
        value: '3',
      }),
    );
  });

  it('names a file that does not parse or does not exist, without a stack trace', () => {
    const r = cli('validate', 'test/fixtures/cli-broken/broken.yaml', 'no/such.yaml');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/test\/fixtures\/cli-broken\/broken\.yaml: document 1: /);
    expect(r.out).toContain('no/such.yaml: cannot be read');
    expect(`${r.out}${r.err}`).not.toMatch(/\n\s+at /);
  });

  it('needs at least one file', () => {
    const r = cli('validate');
    expect(r.code).toBe(2);
    expect(r.err).toContain('expected at least one FILE|DIR');
  });
});

describe('albatross validate: IngressClassParams, certificate discovery, existing target groups', () => {
  const dir = 'test/fixtures/cli-lbc-features';

  it('applies the class, says certificates are discovered at reconcile, and exits 0', () => {
    const r = cli('validate', `${dir}/cluster.yaml`);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')).toEqual([
      'warning: team-a/shop: alb.ingress.kubernetes.io/scheme: internal is overridden by IngressClassParams public spec.scheme (internet-facing)',
      'note: stack edge: HTTPS listener 443: certificates discovered at reconcile (issued ACM certificates for shop.example.com, www.example.com)',
      '1 managed Ingress(es) valid, 1 warning(s)',
      '',
    ]);
  });

  it('denies a namespace outside the namespaceSelector and a target-group ARN that is not one, one line each', () => {
    const r = cli('validate', dir);
    expect(r.code).toBe(1);
    const lines = r.out.split('\n');
    expect(lines).toContain(
      'team-b/outsider: IngressClassParams public spec.namespaceSelector: namespace team-b: expected a namespace matching tier=public to use IngressClass alb-public (namespace team-b is not known, only its kubernetes.io/metadata.name label)',
    );
    const arn = lines.filter((l) => l.startsWith('team-a/bluegreen: alb.ingress.kubernetes.io/actions.bg: '));
    expect(arn).toHaveLength(1);
    expect(arn[0]).toMatch(
      /: expected .*forwardConfig\.targetGroups\[0\]\.targetGroupARN: "arn:aws:acm:us-east-1:123456789012:certificate\/abc": a target group ARN like arn:aws:elasticloadbalancing:<region>:<account>:targetgroup\/<name>\/<id>\)$/,
    );
    expect(lines).toContain('2 of 3 managed Ingress(es) denied, 2 problem(s)');
  });

  it('plan shows the discovered certificates as pending, in the class group', () => {
    const r = cli('plan', '--manifests', dir, '--cluster-name', 'c1');
    expect(r.out).toContain('stack edge');
    expect(r.out).toContain(
      'listener HTTPS:443 [ELBSecurityPolicy-2016-08; certificates discovered at reconcile for shop.example.com, www.example.com]',
    );
    expect(r.out).toMatch(/load balancer k8s-edge-[0-9a-f]{10} \(internet-facing, ipv4/);
  });
});

describe('albatross plan', () => {
  it('prints the desired stacks as a tree, touching no AWS endpoint', () => {
    const r = cli('plan', '--manifests', 'examples/shop', '--cluster-name', 'dev');
    expect(r.code).toBe(0);
    expect(r.out).toContain('stack shop');
    expect(r.out).toMatch(/listener HTTP:80 default: redirect 301 → HTTPS:443/);
    expect(r.out).toMatch(/forward → k8s-shop-apiv1-\w+ \(90\), k8s-shop-apiv2-\w+ \(10\)/);
    expect(r.out).not.toContain('AWS changes');
  });

  it('--json prints the snapshots themselves', () => {
    const r = cli('plan', '--manifests', 'examples/shop', '--cluster-name', 'dev', '--json');
    expect(r.code).toBe(0);
    const snapshots = JSON.parse(r.out);
    expect(snapshots).toHaveLength(1);
    expect(snapshots[0]).toMatchObject({
      apiVersion: 'albatross.dev/v1',
      kind: 'StackSnapshot',
      cluster: 'dev',
      stackId: 'shop',
      verify: false,
    });
    expect(snapshots[0].digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('fails a conflicting group with its problems, and asks for missing flags by name', {
    timeout: 60_000,
  }, () => {
    const r = cli('plan', '--manifests', 'test/fixtures/cli', '--cluster-name', 'dev');
    expect(r.code).toBe(1);
    expect(r.err).toContain('stack shared: the model failed:');
    expect(r.err).toContain(
      'team-b/api: alb.ingress.kubernetes.io/scheme: internal: expected internet-facing to match team-a/web (IngressGroup shared)',
    );
    const missing = cli('plan', '--manifests', 'examples/shop');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('missing required flag --cluster-name');
  });
});

/**
 * Converges AWS to one snapshot (SPEC §6.2): discover by tags, then apply in dependency order —
 * security group → target groups → load balancer → listeners → rules → deletions in reverse — and write
 * the digest tag last. In plan mode every write is recorded instead of sent.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  type IpPermission,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import {
  AddListenerCertificatesCommand,
  AddTagsCommand,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateRuleCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DeleteLoadBalancerCommand,
  DeleteRuleCommand,
  DeleteTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeTargetGroupAttributesCommand,
  type Listener,
  type LoadBalancer,
  ModifyListenerCommand,
  ModifyLoadBalancerAttributesCommand,
  ModifyRuleCommand,
  ModifyTargetGroupAttributesCommand,
  ModifyTargetGroupCommand,
  RegisterTargetsCommand,
  RemoveListenerCertificatesCommand,
  RemoveTagsCommand,
  type Rule,
  SetIpAddressTypeCommand,
  SetRulePrioritiesCommand,
  SetSecurityGroupsCommand,
  SetSubnetsCommand,
  type TargetGroup,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  AssociateWebACLCommand,
  DisassociateWebACLCommand,
  GetWebACLForResourceCommand,
} from '@aws-sdk/client-wafv2';
import type { AwsClients } from '../../aws/clients';
import {
  allLoadBalancers,
  allTargetGroups,
  extraCertificatesOf,
  listenersOf,
  loadBalancerByName,
  rulesOf,
  securityGroupsOfStack,
  subnets,
  TagCache,
  tagsOfEc2,
  targetsOf,
} from '../../aws/discovery';
import type { StackSnapshot } from '../../shared/messages';
import type {
  DesiredListener,
  DesiredLoadBalancer,
  DesiredSecurityGroup,
  DesiredStack,
  DesiredTargetGroup,
  ResourceRef,
  Tags,
  WeightedTargetGroup,
} from '../../shared/model';
import { DIGEST_TAG, isOwnedBy, RESOURCE_TAG } from '../../shared/tags';
import type { Change, ResourceKind } from './changes';
import { awsErrorCode, ReconcileFailure } from './errors';
import { planRules } from './rule-plan';
import { type ArnOf, ruleKey, toSdkAction, toSdkConditions } from './shapes';

export interface EngineOptions {
  cluster: string;
  vpcId?: string;
  /** Record writes instead of sending them. */
  dryRun: boolean;
  /** Waits between retries of ResourceInUse / DependencyViolation (ms); tests shorten them. */
  deleteRetryDelaysMs?: readonly number[];
}

export interface EngineResult {
  skipped: boolean;
  dnsName?: string;
  changes: Change[];
}

const DEFAULT_DELETE_DELAYS = [500, 1000, 2000, 4000, 8000, 8000] as const;
const TARGETS_PER_CALL = 200;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sameSet = (a: readonly string[], b: readonly string[]) => {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
};
/** The health check as the ELBv2 parameters shared by CreateTargetGroup and ModifyTargetGroup. */
const healthCheckParams = (hc: DesiredTargetGroup['healthCheck']) => ({
  HealthCheckProtocol: hc.protocol,
  HealthCheckPort: String(hc.port),
  HealthCheckPath: hc.path,
  HealthCheckIntervalSeconds: hc.intervalSeconds,
  HealthCheckTimeoutSeconds: hc.timeoutSeconds,
  HealthyThresholdCount: hc.healthyThresholdCount,
  UnhealthyThresholdCount: hc.unhealthyThresholdCount,
  Matcher: 'grpcCode' in hc.matcher ? { GrpcCode: hc.matcher.grpcCode } : { HttpCode: hc.matcher.httpCode },
});
const toSdkTags = (t: Tags) => Object.entries(t).map(([Key, Value]) => ({ Key, Value }));

export class Engine {
  private readonly changes: Change[] = [];
  private readonly tags: TagCache;
  private readonly cluster: string;

  constructor(
    private readonly c: AwsClients,
    private readonly snapshot: StackSnapshot,
    private readonly o: EngineOptions,
  ) {
    this.tags = new TagCache(c);
    this.cluster = o.cluster;
  }

  /** What was done (or, planning, would be done) before a failure stopped the run. */
  changesSoFar(): Change[] {
    return [...this.changes];
  }

  private get stackId() {
    return this.snapshot.stackId;
  }

  /** Sends `send()` unless planning; either way records the change. */
  private async write<T>(change: Change, send: () => Promise<T>): Promise<T | undefined> {
    this.changes.push(change);
    if (this.o.dryRun) return undefined;
    return send();
  }

  private owned(tags: Tags): boolean {
    return isOwnedBy(tags, this.cluster, this.stackId);
  }

  async run(): Promise<EngineResult> {
    const desired = this.snapshot.stack;
    if (desired === null) {
      await this.deleteEverything();
      return { skipped: false, changes: this.changes };
    }
    const byName = await loadBalancerByName(this.c, desired.loadBalancer.name);
    if (byName?.LoadBalancerArn) {
      // A verify run cannot take the fast path, so the LB's tags ride along with the target groups'.
      if (this.snapshot.verify) await this.stackTargetGroups([byName.LoadBalancerArn]);
      const tags = (await this.tags.of([byName.LoadBalancerArn])).get(byName.LoadBalancerArn) ?? {};
      if (!this.owned(tags)) {
        throw new ReconcileFailure(
          'NotOwned',
          `load balancer ${desired.loadBalancer.name} exists but is not tagged for cluster ${this.cluster} and stack ${this.stackId}; Albatross does not take it over`,
          byName.LoadBalancerArn,
        );
      }
      if (!this.snapshot.verify && tags[DIGEST_TAG] === this.snapshot.digest) {
        return { skipped: true, dnsName: byName.DNSName, changes: [] };
      }
    }
    return this.converge(desired, byName);
  }

  // -------------------------------------------------------------------------------------------------
  private async converge(desired: DesiredStack, byName: LoadBalancer | undefined): Promise<EngineResult> {
    // The stack's load balancers: by name, else by tags (a renamed or re-schemed one is still ours).
    let candidates: LoadBalancer[] = byName ? [byName] : await this.ownedLoadBalancers();
    const keep = candidates.find((lb) => lb.Scheme === desired.loadBalancer.scheme);
    const replaced = candidates.filter((lb) => lb !== keep);
    candidates = keep ? [keep] : [];

    const subnetIds = await this.resolveSubnets(desired.loadBalancer, keep);
    const vpcId = this.o.vpcId ?? keep?.VpcId ?? subnetIds.vpcId;

    const sgIds = await this.ensureSecurityGroups(desired, vpcId);
    const tgArns = await this.ensureTargetGroups(desired.targetGroups, vpcId);

    // Scheme change: the old load balancer goes first (its listeners and rules with it).
    for (const lb of replaced) await this.deleteLoadBalancer(lb, 'scheme changed');
    const lb = await this.ensureLoadBalancer(desired.loadBalancer, keep, subnetIds.ids, sgIds);
    const lbArn = lb?.LoadBalancerArn ?? `(new load balancer ${desired.loadBalancer.name})`;
    await this.ensureWebAcl(lbArn, desired.loadBalancer, lb !== undefined && keep !== undefined);

    const existingListeners =
      lb?.LoadBalancerArn && keep ? await listenersOf(this.c, lb.LoadBalancerArn) : [];
    const arnOf = (t: WeightedTargetGroup) => {
      if ('externalTargetGroupArn' in t) return t.externalTargetGroupArn;
      if ('externalTargetGroupName' in t)
        throw new ReconcileFailure(
          'Internal',
          'target groups by name are not resolved yet',
          t.externalTargetGroupName,
        );
      return tgArns.get(t.targetGroup) ?? `(new target group ${t.targetGroup})`;
    };
    for (const l of desired.listeners) {
      const current = existingListeners.find((x) => x.Port === l.port);
      const listenerArn = await this.ensureListener(lbArn, l, current, arnOf);
      await this.ensureRules(listenerArn, l, current !== undefined, arnOf);
    }
    for (const l of existingListeners) {
      if (!desired.listeners.some((d) => d.port === l.Port) && l.ListenerArn) {
        const arn = l.ListenerArn;
        await this.write({ action: 'delete', kind: 'Listener', resource: `${l.Protocol}:${l.Port}` }, () =>
          this.c.elbv2.send(new DeleteListenerCommand({ ListenerArn: arn })),
        );
      }
    }
    await this.deleteStaleTargetGroups(new Set(tgArns.values()));
    if (desired.securityGroup === null) await this.deleteManagedSecurityGroups(new Set());

    if (lb?.LoadBalancerArn && !this.o.dryRun) {
      const arn = lb.LoadBalancerArn;
      const current = (await this.tags.of([arn])).get(arn) ?? {};
      if (current[DIGEST_TAG] !== this.snapshot.digest) {
        await this.c.elbv2.send(
          new AddTagsCommand({
            ResourceArns: [arn],
            Tags: [{ Key: DIGEST_TAG, Value: this.snapshot.digest }],
          }),
        );
      }
    }
    return { skipped: false, dnsName: lb?.DNSName, changes: this.changes };
  }

  private async ownedLoadBalancers(): Promise<LoadBalancer[]> {
    const all = await allLoadBalancers(this.c);
    const tags = await this.tags.of(all.map((lb) => lb.LoadBalancerArn ?? ''));
    return all.filter((lb) => this.owned(tags.get(lb.LoadBalancerArn ?? '') ?? {}));
  }

  // ---- subnets (SPEC §6.3) ------------------------------------------------------------------------
  private async resolveSubnets(
    d: DesiredLoadBalancer,
    current: LoadBalancer | undefined,
  ): Promise<{ ids: string[]; vpcId?: string }> {
    if (d.subnets.kind === 'explicit') return this.resolveSubnetRefs(d.subnets.refs);
    const currentIds = (current?.AvailabilityZones ?? [])
      .map((z) => z.SubnetId)
      .filter((s): s is string => !!s);
    if (current && currentIds.length > 0) return { ids: currentIds, vpcId: current.VpcId };
    const roleTag =
      d.scheme === 'internet-facing' ? 'kubernetes.io/role/elb' : 'kubernetes.io/role/internal-elb';
    const found = await subnets(this.c, {
      tagKey: roleTag,
      ...(this.o.vpcId ? { vpcId: this.o.vpcId } : {}),
    });
    const mine = `kubernetes.io/cluster/${this.cluster}`;
    const eligible = found
      .map((s) => ({ s, tags: tagsOfEc2(s.Tags) }))
      .filter(({ tags }) => tags[roleTag] === '' || tags[roleTag] === '1')
      .filter(({ tags }) => {
        const clusterKeys = Object.keys(tags).filter((k) => k.startsWith('kubernetes.io/cluster/'));
        return clusterKeys.length === 0 || clusterKeys.includes(mine);
      });
    const vpcs = new Set(eligible.map(({ s }) => s.VpcId));
    if (vpcs.size > 1) {
      throw new ReconcileFailure(
        'NotFound',
        `subnets tagged ${roleTag} were found in several VPCs (${[...vpcs].join(', ')}); pass --vpc-id or set the subnets annotation`,
      );
    }
    const byZone = new Map<string, { id: string; mine: boolean }>();
    for (const { s, tags } of eligible) {
      if (!s.AvailabilityZone || !s.SubnetId) continue;
      const cand = { id: s.SubnetId, mine: mine in tags };
      const prev = byZone.get(s.AvailabilityZone);
      if (!prev || (cand.mine && !prev.mine) || (cand.mine === prev.mine && cand.id < prev.id))
        byZone.set(s.AvailabilityZone, cand);
    }
    if (byZone.size < 2) {
      throw new ReconcileFailure(
        'NotFound',
        `an ALB needs subnets in at least two availability zones; found ${byZone.size} subnet(s) tagged ${roleTag} (value "" or "1") for cluster ${this.cluster}`,
      );
    }
    return { ids: [...byZone.values()].map((z) => z.id).sort(), vpcId: [...vpcs][0] };
  }

  private async resolveSubnetRefs(refs: readonly ResourceRef[]): Promise<{ ids: string[]; vpcId?: string }> {
    const ids = refs.flatMap((r) => (r.kind === 'id' ? [r.id] : []));
    const names = refs.flatMap((r) => (r.kind === 'name' ? [r.name] : []));
    const found = [
      ...(ids.length ? await subnets(this.c, { ids }) : []),
      ...(names.length
        ? await subnets(this.c, { names, ...(this.o.vpcId ? { vpcId: this.o.vpcId } : {}) })
        : []),
    ];
    for (const n of names) {
      if (!found.some((s) => tagsOfEc2(s.Tags).Name === n)) {
        throw new ReconcileFailure(
          'NotFound',
          `no subnet has the Name tag "${n}" (alb.ingress.kubernetes.io/subnets)`,
          n,
        );
      }
    }
    return { ids: [...new Set(found.map((s) => s.SubnetId ?? ''))].sort(), vpcId: found[0]?.VpcId };
  }

  // ---- security groups (SPEC §6.4) ----------------------------------------------------------------
  private async ensureSecurityGroups(desired: DesiredStack, vpcId: string | undefined): Promise<string[]> {
    const sg = desired.securityGroup;
    const lbSgs = desired.loadBalancer.securityGroups;
    if (lbSgs.kind === 'explicit') {
      const ids = lbSgs.refs.flatMap((r) => (r.kind === 'id' ? [r.id] : []));
      const names = lbSgs.refs.flatMap((r) => (r.kind === 'name' ? [r.name] : []));
      if (names.length === 0) return ids;
      const r = await this.c.ec2.send(
        new DescribeSecurityGroupsCommand({
          Filters: [
            { Name: 'tag:Name', Values: names },
            ...(vpcId ? [{ Name: 'vpc-id', Values: [vpcId] }] : []),
          ],
        }),
      );
      for (const n of names) {
        if (!(r.SecurityGroups ?? []).some((g) => tagsOfEc2(g.Tags).Name === n)) {
          throw new ReconcileFailure(
            'NotFound',
            `no security group has the Name tag "${n}" (alb.ingress.kubernetes.io/security-groups)`,
            n,
          );
        }
      }
      return [...ids, ...(r.SecurityGroups ?? []).map((g) => g.GroupId ?? '')];
    }
    if (!sg)
      throw new ReconcileFailure(
        'InvalidSnapshot',
        'the snapshot asks for a managed security group but carries none',
      );
    const existing = await securityGroupsOfStack(this.c, this.cluster, this.stackId);
    let group: SecurityGroup | undefined = existing.find((g) => g.GroupName === sg.name) ?? existing[0];
    if (!group) {
      group = await this.createSecurityGroup(sg, vpcId);
      if (!group) return [`(new security group ${sg.name})`];
    }
    await this.syncSecurityGroupRules(group, sg);
    return [group.GroupId ?? ''];
  }

  private async createSecurityGroup(
    sg: DesiredSecurityGroup,
    vpcId: string | undefined,
  ): Promise<SecurityGroup | undefined> {
    if (!vpcId)
      throw new ReconcileFailure('NotFound', 'no VPC is known for the managed security group; pass --vpc-id');
    const clash = await this.c.ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: 'group-name', Values: [sg.name] },
          { Name: 'vpc-id', Values: [vpcId] },
        ],
      }),
    );
    if ((clash.SecurityGroups ?? []).length > 0) {
      throw new ReconcileFailure(
        'NotOwned',
        `security group ${sg.name} exists in ${vpcId} without this stack's tags`,
        sg.name,
      );
    }
    const r = await this.write({ action: 'create', kind: 'SecurityGroup', resource: sg.name }, () =>
      this.c.ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: sg.name,
          Description: sg.description,
          VpcId: vpcId,
          TagSpecifications: [{ ResourceType: 'security-group', Tags: toSdkTags(sg.tags) }],
        }),
      ),
    );
    return r?.GroupId ? { GroupId: r.GroupId, GroupName: sg.name, IpPermissions: [] } : undefined;
  }

  private async syncSecurityGroupRules(group: SecurityGroup, sg: DesiredSecurityGroup): Promise<void> {
    const key = (port: number, cidr: string) => `${port}|${cidr}`;
    const have = new Map<string, { port: number; cidr: string }>();
    for (const p of group.IpPermissions ?? []) {
      if (p.IpProtocol !== 'tcp' || p.FromPort === undefined || p.FromPort !== p.ToPort) continue;
      for (const r of p.IpRanges ?? [])
        if (r.CidrIp) have.set(key(p.FromPort, r.CidrIp), { port: p.FromPort, cidr: r.CidrIp });
      for (const r of p.Ipv6Ranges ?? [])
        if (r.CidrIpv6) have.set(key(p.FromPort, r.CidrIpv6), { port: p.FromPort, cidr: r.CidrIpv6 });
    }
    const want = new Map(sg.ingress.map((i) => [key(i.port, i.cidr), i]));
    const perms = (xs: { port: number; cidr: string }[]): IpPermission[] =>
      xs.map((x) => ({
        IpProtocol: 'tcp',
        FromPort: x.port,
        ToPort: x.port,
        ...(x.cidr.includes(':')
          ? { Ipv6Ranges: [{ CidrIpv6: x.cidr }] }
          : { IpRanges: [{ CidrIp: x.cidr }] }),
      }));
    const add = [...want].filter(([k]) => !have.has(k)).map(([, v]) => v);
    const remove = [...have].filter(([k]) => !want.has(k)).map(([, v]) => v);
    const GroupId = group.GroupId;
    if (add.length) {
      await this.write(
        {
          action: 'update',
          kind: 'SecurityGroup',
          resource: sg.name,
          detail: `allow ${add.map((a) => `${a.cidr}:${a.port}`).join(', ')}`,
        },
        () =>
          this.c.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: perms(add) })),
      );
    }
    if (remove.length) {
      await this.write(
        {
          action: 'update',
          kind: 'SecurityGroup',
          resource: sg.name,
          detail: `revoke ${remove.map((a) => `${a.cidr}:${a.port}`).join(', ')}`,
        },
        () =>
          this.c.ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId, IpPermissions: perms(remove) })),
      );
    }
  }

  private async deleteManagedSecurityGroups(keep: Set<string>): Promise<void> {
    for (const g of await securityGroupsOfStack(this.c, this.cluster, this.stackId)) {
      if (!g.GroupId || keep.has(g.GroupId)) continue;
      const GroupId = g.GroupId;
      await this.write({ action: 'delete', kind: 'SecurityGroup', resource: g.GroupName ?? GroupId }, () =>
        this.retrying('DependencyViolation', () =>
          this.c.ec2.send(new DeleteSecurityGroupCommand({ GroupId })),
        ),
      );
    }
  }

  // ---- target groups ------------------------------------------------------------------------------
  private ownedTargetGroups?: { tg: TargetGroup; tags: Tags }[];

  /** Every target group of this stack; `alsoTag` ARNs are tagged in the same DescribeTags calls. */
  private async stackTargetGroups(alsoTag: string[] = []): Promise<{ tg: TargetGroup; tags: Tags }[]> {
    if (!this.ownedTargetGroups) {
      const all = await allTargetGroups(this.c);
      const tags = await this.tags.of([...alsoTag, ...all.map((t) => t.TargetGroupArn ?? '')]);
      this.allTargetGroupNames = new Map(
        all.map((t) => [t.TargetGroupName ?? '', tags.get(t.TargetGroupArn ?? '') ?? {}]),
      );
      this.ownedTargetGroups = all
        .map((tg) => ({ tg, tags: tags.get(tg.TargetGroupArn ?? '') ?? {} }))
        .filter((x) => this.owned(x.tags));
    }
    return this.ownedTargetGroups;
  }
  private allTargetGroupNames = new Map<string, Tags>();

  private async ensureTargetGroups(
    desired: readonly DesiredTargetGroup[],
    vpcId: string | undefined,
  ): Promise<Map<string, string>> {
    const owned = await this.stackTargetGroups();
    const arns = new Map<string, string>();
    for (const d of desired) {
      const same = owned.find(
        (x) =>
          x.tags[RESOURCE_TAG] === d.resourceId &&
          x.tg.Protocol === d.protocol &&
          (x.tg.ProtocolVersion ?? 'HTTP1') === d.protocolVersion &&
          x.tg.TargetType === d.targetType &&
          x.tg.Port === d.port,
      );
      if (same?.tg.TargetGroupArn) {
        arns.set(d.resourceId, same.tg.TargetGroupArn);
        await this.updateTargetGroup(same.tg, same.tags, d);
      } else {
        const arn = await this.createTargetGroup(d, vpcId);
        if (arn) arns.set(d.resourceId, arn);
      }
    }
    return arns;
  }

  private async createTargetGroup(
    d: DesiredTargetGroup,
    vpcId: string | undefined,
  ): Promise<string | undefined> {
    const clash = this.allTargetGroupNames.get(d.name);
    if (clash && !this.owned(clash)) {
      throw new ReconcileFailure(
        'NotOwned',
        `target group ${d.name} exists but is not tagged for cluster ${this.cluster} and stack ${this.stackId}`,
        d.name,
      );
    }
    if (!vpcId)
      throw new ReconcileFailure('NotFound', 'no VPC is known for the target groups; pass --vpc-id');
    const hc = d.healthCheck;
    const r = await this.write(
      {
        action: 'create',
        kind: 'TargetGroup',
        resource: d.name,
        detail: `${d.resourceId} ${d.targetType} ${d.protocol}:${d.port}`,
      },
      () =>
        this.c.elbv2.send(
          new CreateTargetGroupCommand({
            Name: d.name,
            Protocol: d.protocol,
            ProtocolVersion: d.protocolVersion,
            Port: d.port,
            VpcId: vpcId,
            TargetType: d.targetType,
            IpAddressType: d.ipAddressType,
            ...healthCheckParams(hc),
            Tags: toSdkTags(d.tags),
          }),
        ),
    );
    // Planning: carry on with a placeholder so the plan lists the attributes and targets too.
    const arn =
      r?.TargetGroups?.[0]?.TargetGroupArn ??
      (this.o.dryRun ? `(new target group ${d.resourceId})` : undefined);
    if (!arn) return undefined;
    if (Object.keys(d.attributes).length) {
      await this.write(
        { action: 'update', kind: 'TargetGroup', resource: d.name, detail: 'attributes' },
        () =>
          this.c.elbv2.send(
            new ModifyTargetGroupAttributesCommand({
              TargetGroupArn: arn,
              Attributes: toSdkTags(d.attributes),
            }),
          ),
      );
    }
    await this.syncTargets(arn, d, []);
    return arn;
  }

  private async updateTargetGroup(tg: TargetGroup, tags: Tags, d: DesiredTargetGroup): Promise<void> {
    const arn = tg.TargetGroupArn ?? '';
    const hc = d.healthCheck;
    const matcherHas =
      'grpcCode' in hc.matcher
        ? tg.Matcher?.GrpcCode === hc.matcher.grpcCode
        : tg.Matcher?.HttpCode === hc.matcher.httpCode;
    const hcSame =
      tg.HealthCheckProtocol === hc.protocol &&
      tg.HealthCheckPort === String(hc.port) &&
      (tg.HealthCheckPath ?? '/') === hc.path &&
      tg.HealthCheckIntervalSeconds === hc.intervalSeconds &&
      tg.HealthCheckTimeoutSeconds === hc.timeoutSeconds &&
      tg.HealthyThresholdCount === hc.healthyThresholdCount &&
      tg.UnhealthyThresholdCount === hc.unhealthyThresholdCount &&
      matcherHas;
    if (!hcSame) {
      await this.write(
        { action: 'update', kind: 'TargetGroup', resource: d.name, detail: 'health check' },
        () =>
          this.c.elbv2.send(
            new ModifyTargetGroupCommand({
              TargetGroupArn: arn,
              ...healthCheckParams(hc),
            }),
          ),
      );
    }
    if (Object.keys(d.attributes).length) {
      const r = await this.c.elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn }));
      const have = Object.fromEntries((r.Attributes ?? []).map((a) => [a.Key ?? '', a.Value ?? '']));
      const diff = Object.entries(d.attributes).filter(([k, v]) => have[k] !== v);
      if (diff.length) {
        await this.write(
          {
            action: 'update',
            kind: 'TargetGroup',
            resource: d.name,
            detail: `attributes ${diff.map(([k]) => k).join(', ')}`,
          },
          () =>
            this.c.elbv2.send(
              new ModifyTargetGroupAttributesCommand({
                TargetGroupArn: arn,
                Attributes: diff.map(([Key, Value]) => ({ Key, Value })),
              }),
            ),
        );
      }
    }
    await this.syncTags(arn, 'TargetGroup', d.name, tags, d.tags);
    await this.syncTargets(arn, d, await targetsOf(this.c, arn));
  }

  private async syncTargets(
    arn: string,
    d: DesiredTargetGroup,
    current: { Id?: string; Port?: number }[],
  ): Promise<void> {
    const k = (id: string, port: number | undefined) => `${id}:${port ?? d.port}`;
    const have = new Set(current.map((t) => k(t.Id ?? '', t.Port)));
    const want = new Set(d.targets.map((t) => k(t.id, t.port)));
    const register = d.targets
      .filter((t) => !have.has(k(t.id, t.port)))
      .map((t) => ({ Id: t.id, Port: t.port }));
    const deregister = current
      .filter((t) => !want.has(k(t.Id ?? '', t.Port)))
      .map((t) => ({ Id: t.Id ?? '', Port: t.Port }));
    for (let i = 0; i < register.length; i += TARGETS_PER_CALL) {
      const Targets = register.slice(i, i + TARGETS_PER_CALL);
      await this.write(
        {
          action: 'create',
          kind: 'Targets',
          resource: d.name,
          detail: `register ${Targets.map((t) => `${t.Id}:${t.Port}`).join(', ')}`,
        },
        () => this.c.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets })),
      );
    }
    for (let i = 0; i < deregister.length; i += TARGETS_PER_CALL) {
      const Targets = deregister.slice(i, i + TARGETS_PER_CALL);
      await this.write(
        {
          action: 'delete',
          kind: 'Targets',
          resource: d.name,
          detail: `deregister ${Targets.map((t) => `${t.Id}:${t.Port}`).join(', ')}`,
        },
        () => this.c.elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets })),
      );
    }
  }

  private async deleteStaleTargetGroups(keep: Set<string>): Promise<void> {
    for (const { tg } of await this.stackTargetGroups()) {
      const arn = tg.TargetGroupArn;
      if (!arn || keep.has(arn)) continue;
      await this.write({ action: 'delete', kind: 'TargetGroup', resource: tg.TargetGroupName ?? arn }, () =>
        this.retrying('ResourceInUse', () =>
          this.c.elbv2.send(new DeleteTargetGroupCommand({ TargetGroupArn: arn })),
        ),
      );
    }
  }

  // ---- load balancer -----------------------------------------------------------------------------
  private async ensureLoadBalancer(
    d: DesiredLoadBalancer,
    current: LoadBalancer | undefined,
    subnetIds: string[],
    sgIds: string[],
  ): Promise<LoadBalancer | undefined> {
    if (!current) {
      const r = await this.write(
        {
          action: 'create',
          kind: 'LoadBalancer',
          resource: d.name,
          detail: `${d.scheme} ${d.ipAddressType}`,
        },
        () =>
          this.c.elbv2.send(
            new CreateLoadBalancerCommand({
              Name: d.name,
              Type: 'application',
              Scheme: d.scheme,
              IpAddressType: d.ipAddressType,
              Subnets: subnetIds,
              SecurityGroups: sgIds,
              Tags: toSdkTags(d.tags),
            }),
          ),
      );
      const lb = r?.LoadBalancers?.[0];
      if (lb?.LoadBalancerArn) {
        this.tags.set(lb.LoadBalancerArn, d.tags);
        await this.syncLoadBalancerAttributes(lb.LoadBalancerArn, d, true);
      }
      return lb;
    }
    const arn = current.LoadBalancerArn ?? '';
    const name = current.LoadBalancerName ?? d.name;
    const currentSubnets = (current.AvailabilityZones ?? []).map((z) => z.SubnetId ?? '');
    if (!sameSet(currentSubnets, subnetIds)) {
      await this.write(
        { action: 'update', kind: 'LoadBalancer', resource: name, detail: `subnets ${subnetIds.join(', ')}` },
        () => this.c.elbv2.send(new SetSubnetsCommand({ LoadBalancerArn: arn, Subnets: subnetIds })),
      );
    }
    if (!sameSet(current.SecurityGroups ?? [], sgIds)) {
      await this.write(
        {
          action: 'update',
          kind: 'LoadBalancer',
          resource: name,
          detail: `security groups ${sgIds.join(', ')}`,
        },
        () =>
          this.c.elbv2.send(new SetSecurityGroupsCommand({ LoadBalancerArn: arn, SecurityGroups: sgIds })),
      );
    }
    if ((current.IpAddressType ?? 'ipv4') !== d.ipAddressType) {
      await this.write(
        {
          action: 'update',
          kind: 'LoadBalancer',
          resource: name,
          detail: `ip address type ${d.ipAddressType}`,
        },
        () =>
          this.c.elbv2.send(
            new SetIpAddressTypeCommand({ LoadBalancerArn: arn, IpAddressType: d.ipAddressType }),
          ),
      );
    }
    await this.syncLoadBalancerAttributes(arn, d, false);
    const tags = (await this.tags.of([arn])).get(arn) ?? {};
    await this.syncTags(arn, 'LoadBalancer', name, tags, d.tags, new Set([DIGEST_TAG]));
    return current;
  }

  /** `wafv2-acl-arn`: absent leaves WAF alone; `none` disassociates; an ARN associates that WebACL. */
  private async ensureWebAcl(lbArn: string, d: DesiredLoadBalancer, existed: boolean): Promise<void> {
    const want = d.wafv2AclArn;
    if (want === undefined) return;
    const waf = this.c.wafv2;
    if (!waf)
      throw new ReconcileFailure('Internal', 'wafv2-acl-arn is set but no WAFv2 client was configured');
    let current: string | undefined;
    if (existed) {
      const r = await waf.send(new GetWebACLForResourceCommand({ ResourceArn: lbArn }));
      current = r.WebACL?.ARN;
    }
    const name = d.name;
    if (want === 'none') {
      if (current) {
        await this.write(
          { action: 'update', kind: 'LoadBalancer', resource: name, detail: 'disassociate WAF WebACL' },
          () => waf.send(new DisassociateWebACLCommand({ ResourceArn: lbArn })),
        );
      }
      return;
    }
    if (current !== want) {
      await this.write(
        { action: 'update', kind: 'LoadBalancer', resource: name, detail: `associate WAF WebACL ${want}` },
        () => waf.send(new AssociateWebACLCommand({ WebACLArn: want, ResourceArn: lbArn })),
      );
    }
  }

  private async syncLoadBalancerAttributes(
    arn: string,
    d: DesiredLoadBalancer,
    fresh: boolean,
  ): Promise<void> {
    const wanted = Object.entries(d.attributes);
    if (wanted.length === 0) return;
    let diff = wanted;
    if (!fresh) {
      const r = await this.c.elbv2.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }));
      const have = Object.fromEntries((r.Attributes ?? []).map((a) => [a.Key ?? '', a.Value ?? '']));
      diff = wanted.filter(([k, v]) => have[k] !== v);
    }
    if (diff.length === 0) return;
    await this.write(
      {
        action: 'update',
        kind: 'LoadBalancer',
        resource: d.name,
        detail: `attributes ${diff.map(([k]) => k).join(', ')}`,
      },
      () =>
        this.c.elbv2.send(
          new ModifyLoadBalancerAttributesCommand({
            LoadBalancerArn: arn,
            Attributes: diff.map(([Key, Value]) => ({ Key, Value })),
          }),
        ),
    );
  }

  private async deleteLoadBalancer(lb: LoadBalancer, why: string): Promise<void> {
    const arn = lb.LoadBalancerArn;
    if (!arn) return;
    await this.write(
      { action: 'delete', kind: 'LoadBalancer', resource: lb.LoadBalancerName ?? arn, detail: why },
      () => this.c.elbv2.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn })),
    );
  }

  // ---- listeners and rules -------------------------------------------------------------------------
  private async ensureListener(
    lbArn: string,
    d: DesiredListener,
    current: Listener | undefined,
    arnOf: ArnOf,
  ): Promise<string> {
    const defaultActions = [toSdkAction(d.defaultAction, arnOf)];
    const [defaultCert, ...sni] = d.certificateArns;
    const label = `${d.protocol}:${d.port}`;
    let arn = current?.ListenerArn;
    if (!current) {
      const r = await this.write({ action: 'create', kind: 'Listener', resource: label }, () =>
        this.c.elbv2.send(
          new CreateListenerCommand({
            LoadBalancerArn: lbArn,
            Port: d.port,
            Protocol: d.protocol,
            DefaultActions: defaultActions,
            ...(d.protocol === 'HTTPS'
              ? { SslPolicy: d.sslPolicy, Certificates: defaultCert ? [{ CertificateArn: defaultCert }] : [] }
              : {}),
            Tags: toSdkTags(d.tags),
          }),
        ),
      );
      arn = r?.Listeners?.[0]?.ListenerArn ?? `(new listener ${label})`;
    } else {
      const same =
        current.Protocol === d.protocol &&
        ruleKey([], current.DefaultActions ?? []) === ruleKey([], defaultActions) &&
        (d.protocol !== 'HTTPS' ||
          (current.SslPolicy === d.sslPolicy && current.Certificates?.[0]?.CertificateArn === defaultCert));
      if (!same) {
        const ListenerArn = current.ListenerArn;
        await this.write({ action: 'update', kind: 'Listener', resource: label }, () =>
          this.c.elbv2.send(
            new ModifyListenerCommand({
              ListenerArn,
              Port: d.port,
              Protocol: d.protocol,
              DefaultActions: defaultActions,
              ...(d.protocol === 'HTTPS'
                ? {
                    SslPolicy: d.sslPolicy,
                    Certificates: defaultCert ? [{ CertificateArn: defaultCert }] : [],
                  }
                : {}),
            }),
          ),
        );
      }
    }
    const listenerArn = arn ?? '';
    if (d.protocol === 'HTTPS') {
      const have = current ? await extraCertificatesOf(this.c, listenerArn) : [];
      const add = sni.filter((c) => !have.includes(c));
      const remove = have.filter((c) => !sni.includes(c) && c !== defaultCert);
      if (add.length) {
        await this.write(
          {
            action: 'update',
            kind: 'Listener',
            resource: label,
            detail: `add certificates ${add.join(', ')}`,
          },
          () =>
            this.c.elbv2.send(
              new AddListenerCertificatesCommand({
                ListenerArn: listenerArn,
                Certificates: add.map((CertificateArn) => ({ CertificateArn })),
              }),
            ),
        );
      }
      if (remove.length) {
        await this.write(
          {
            action: 'update',
            kind: 'Listener',
            resource: label,
            detail: `remove certificates ${remove.join(', ')}`,
          },
          () =>
            this.c.elbv2.send(
              new RemoveListenerCertificatesCommand({
                ListenerArn: listenerArn,
                Certificates: remove.map((CertificateArn) => ({ CertificateArn })),
              }),
            ),
        );
      }
    }
    return listenerArn;
  }

  private async ensureRules(
    listenerArn: string,
    d: DesiredListener,
    listenerExisted: boolean,
    arnOf: ArnOf,
  ): Promise<void> {
    const existing: Rule[] = listenerExisted
      ? (await rulesOf(this.c, listenerArn)).filter((r) => !r.IsDefault)
      : [];
    const desired = d.rules.map((r) => ({
      rule: r,
      conditions: toSdkConditions(r.conditions),
      actions: [toSdkAction(r.action, arnOf)],
    }));
    const steps = planRules(
      existing.map((r) => ({
        arn: r.RuleArn ?? '',
        priority: Number(r.Priority),
        key: ruleKey(r.Conditions ?? [], r.Actions ?? []),
      })),
      desired.map((w) => ({ priority: w.rule.priority, key: ruleKey(w.conditions, w.actions) })),
    );
    const where = `${d.protocol}:${d.port}`;
    for (const s of steps) {
      switch (s.type) {
        case 'move':
          await this.write(
            {
              action: 'update',
              kind: 'Rule',
              resource: where,
              detail: `priorities ${s.moves.map((m) => m.priority).join(', ')}`,
            },
            () =>
              this.c.elbv2.send(
                new SetRulePrioritiesCommand({
                  RulePriorities: s.moves.map((m) => ({ RuleArn: m.arn, Priority: m.priority })),
                }),
              ),
          );
          break;
        case 'modify': {
          const w = desired[s.wanted]!;
          await this.write(
            { action: 'update', kind: 'Rule', resource: `${where} priority ${w.rule.priority}` },
            () =>
              this.c.elbv2.send(
                new ModifyRuleCommand({ RuleArn: s.arn, Conditions: w.conditions, Actions: w.actions }),
              ),
          );
          break;
        }
        case 'create': {
          const w = desired[s.wanted]!;
          await this.write(
            { action: 'create', kind: 'Rule', resource: `${where} priority ${w.rule.priority}` },
            () =>
              this.c.elbv2.send(
                new CreateRuleCommand({
                  ListenerArn: listenerArn,
                  Priority: w.rule.priority,
                  Conditions: w.conditions,
                  Actions: w.actions,
                  Tags: toSdkTags(w.rule.tags),
                }),
              ),
          );
          break;
        }
        case 'delete':
          await this.write({ action: 'delete', kind: 'Rule', resource: where }, () =>
            this.c.elbv2.send(new DeleteRuleCommand({ RuleArn: s.arn })),
          );
          break;
      }
    }
  }

  // ---- tags, deletion, retries ---------------------------------------------------------------------
  private async syncTags(
    arn: string,
    kind: ResourceKind,
    name: string,
    have: Tags,
    want: Tags,
    reserved: Set<string> = new Set(),
  ): Promise<void> {
    const add = Object.entries(want).filter(([k, v]) => have[k] !== v);
    const remove = Object.keys(have).filter(
      (k) => !(k in want) && !k.toLowerCase().startsWith('aws:') && !reserved.has(k),
    );
    if (add.length) {
      await this.write(
        {
          action: 'update',
          kind: 'Tags',
          resource: name,
          detail: `${kind} tags ${add.map(([k]) => k).join(', ')}`,
        },
        () =>
          this.c.elbv2.send(
            new AddTagsCommand({ ResourceArns: [arn], Tags: add.map(([Key, Value]) => ({ Key, Value })) }),
          ),
      );
    }
    if (remove.length) {
      await this.write(
        { action: 'update', kind: 'Tags', resource: name, detail: `${kind} untag ${remove.join(', ')}` },
        () => this.c.elbv2.send(new RemoveTagsCommand({ ResourceArns: [arn], TagKeys: remove })),
      );
    }
  }

  private async deleteEverything(): Promise<void> {
    for (const lb of await this.ownedLoadBalancers()) await this.deleteLoadBalancer(lb, 'stack deleted');
    await this.deleteStaleTargetGroups(new Set());
    await this.deleteManagedSecurityGroups(new Set());
  }

  /** AWS frees target groups and security groups a little after the load balancer goes. */
  private async retrying<T>(code: string, call: () => Promise<T>): Promise<T> {
    const delays = this.o.deleteRetryDelaysMs ?? DEFAULT_DELETE_DELAYS;
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        if (awsErrorCode(err) !== code || attempt >= delays.length) throw err;
        await sleep(delays[attempt]!);
      }
    }
  }
}

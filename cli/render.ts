/** Human-readable rendering of desired stacks and of AWS-side changes, shared by plan/reconcile/dev. */
import type { Change } from '../lambda/reconciler/index';
import type { Action, DesiredStack, RuleCondition, WeightedTargetGroup } from '../shared/model';

function condition(c: RuleCondition): string {
  switch (c.field) {
    case 'http-header':
      return `header ${c.httpHeaderName}=${c.values.join('|')}`;
    case 'query-string':
      return `query ${c.values.map((v) => `${v.key ?? ''}=${v.value}`).join('|')}`;
    default:
      return `${c.field.replace('-header', '').replace('-pattern', '')} ${c.values.join('|')}`;
  }
}

export function renderAction(a: Action, stackTgName: (resourceId: string) => string): string {
  const tgName = (t: WeightedTargetGroup) =>
    'targetGroup' in t
      ? stackTgName(t.targetGroup)
      : 'externalTargetGroupArn' in t
        ? t.externalTargetGroupArn
        : t.externalTargetGroupName;
  switch (a.type) {
    case 'forward':
      return a.targetGroups.length === 1
        ? `forward → ${tgName(a.targetGroups[0]!)}`
        : `forward → ${a.targetGroups.map((t) => `${tgName(t)} (${t.weight})`).join(', ')}`;
    case 'redirect':
      return `redirect ${a.statusCode.replace('HTTP_', '')} → ${a.protocol ?? '#{protocol}'}:${a.port ?? '#{port}'}`;
    case 'fixed-response':
      return `fixed-response ${a.statusCode}${a.messageBody ? ` "${a.messageBody}"` : ''}`;
  }
}

/** One stack as an indented tree: load balancer → listeners → rules, then target groups → targets. */
export function renderStack(stackId: string, stack: DesiredStack | null): string {
  if (stack === null) return `stack ${stackId}: delete every AWS resource of this stack\n`;
  const lb = stack.loadBalancer;
  const names = new Map(stack.targetGroups.map((t) => [t.resourceId, t.name]));
  const tgName = (id: string) => names.get(id) ?? id;
  const lines = [
    `stack ${stackId}`,
    `└─ load balancer ${lb.name} (${lb.scheme}, ${lb.ipAddressType}; subnets ${lb.subnets.kind === 'discover' ? 'discovered' : lb.subnets.refs.map((r) => (r.kind === 'id' ? r.id : r.name)).join(', ')}; security groups ${lb.securityGroups.kind === 'managed' ? `managed ${stack.securityGroup?.name ?? ''}` : lb.securityGroups.refs.map((r) => (r.kind === 'id' ? r.id : r.name)).join(', ')})`,
  ];
  for (const l of stack.listeners) {
    const certificates = [
      ...(l.certificateArns.length || !l.discoverCertificatesFor ? [String(l.certificateArns.length)] : []),
      ...(l.discoverCertificatesFor
        ? [`discovered at reconcile for ${l.discoverCertificatesFor.join(', ')}`]
        : []),
    ].join(' + ');
    const tls = l.protocol === 'HTTPS' ? ` [${l.sslPolicy}; certificates ${certificates}]` : '';
    lines.push(
      `   ├─ listener ${l.protocol}:${l.port}${tls} default: ${renderAction(l.defaultAction, tgName)}`,
    );
    for (const r of l.rules) {
      lines.push(
        `   │  ├─ ${String(r.priority).padStart(3)}  ${r.conditions.map(condition).join(' & ')}  ⇒ ${renderAction(r.action, tgName)}`,
      );
    }
  }
  for (const t of stack.targetGroups) {
    lines.push(
      `   ├─ target group ${t.name} (${t.resourceId}; ${t.targetType} ${t.protocol}:${t.port} ${t.protocolVersion}; health ${t.healthCheck.protocol} ${t.healthCheck.path})`,
    );
    lines.push(
      `   │  └─ targets: ${t.targets.length ? t.targets.map((x) => `${x.id}:${x.port}`).join(', ') : '(none)'}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function renderChanges(changes: readonly Change[]): string {
  if (changes.length === 0) return '   (no changes)\n';
  const sign = { create: '+', update: '~', delete: '-' } as const;
  return `${changes.map((c) => `   ${sign[c.action]} ${c.kind} ${c.resource}${c.detail ? `: ${c.detail}` : ''}`).join('\n')}\n`;
}

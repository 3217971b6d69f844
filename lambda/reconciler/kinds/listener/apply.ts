/** Listeners (+ default action, certificates, tags) and, through the rule kind, their rules. */
import {
  AddListenerCertificatesCommand,
  CreateListenerCommand,
  DeleteListenerCommand,
  type Listener,
  ModifyListenerCommand,
  RemoveListenerCertificatesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CertificateDiscovery, listenerCertificateArns } from '../../../../aws/certificates';
import { extraCertificatesOf, listenersOf, TagCache } from '../../../../aws/discovery';
import type { DesiredListener, WeightedTargetGroup } from '../../../../shared/model';
import { type Ctx, known, pending, type Ref, refText } from '../../context';
import { ReconcileFailure } from '../../errors';
import { conflict, deleted } from '../../idempotency';
import { listenerPart } from '../../parts';
import { type ArnOf, toSdkAction } from '../../shapes';
import { inScope, type StackState } from '../../state';
import { syncTags, toSdkTags } from '../../tags';
import { ensureRules } from '../rule/apply';
import { diffCertificates, duplicatePorts, listenerDiffers } from './diff';
import { externalNames, resolveExternalTargetGroups } from './external-target-groups';

export async function ensureListeners(ctx: Ctx, st: StackState, lbExisted: boolean): Promise<void> {
  const d = st.desired;
  const full = st.scope.kind === 'all';
  const inPlay = d.listeners.filter((l) => inScope(st.scope, listenerPart(l.port)));
  const removedPorts =
    st.scope.kind === 'parts'
      ? [...st.scope.parts].filter((p) => p.startsWith('l')).map((p) => Number(p.slice(1)))
      : [];
  if (inPlay.length === 0 && removedPorts.length === 0 && !full) return;

  await resolveExternalTargetGroups(ctx, externalNames(inPlay), st.externalTargetGroups);
  const arnOf: ArnOf = (t: WeightedTargetGroup) =>
    'targetGroup' in t
      ? refText(st.targetGroups.get(t.targetGroup) ?? pending(`target group ${t.targetGroup}`))
      : 'externalTargetGroupArn' in t
        ? t.externalTargetGroupArn
        : (st.externalTargetGroups.get(t.externalTargetGroupName) ?? t.externalTargetGroupName);

  let certificates: CertificateDiscovery | undefined;
  const discovery = () => {
    certificates ??= new CertificateDiscovery(ctx.clients.acm);
    return certificates;
  };
  const lbArn = st.lbRef.kind === 'known' ? st.lbRef.id : '';
  const existing = lbExisted && lbArn ? await listenersOf(ctx.clients, lbArn) : [];
  const refs = new Map<number, { ref: Ref; existed: boolean }>();
  let created = 0;
  for (const l of inPlay) {
    const current = existing.find((x) => x.Port === l.port);
    const certificateArns = await certificatesOf(l, discovery);
    const ref = await ensureListener(ctx, lbArn, l, current, arnOf, certificateArns);
    if (!current && ref.kind === 'known') created++;
    refs.set(l.port, { ref, existed: current !== undefined });
  }
  if (created > 0 && lbArn) await yieldOnDuplicates(ctx, lbArn, refs);

  for (const l of inPlay) {
    const { ref, existed } = refs.get(l.port)!;
    await ensureRules(ctx, l, ref, existed, arnOf, full);
  }
  if (full) await syncListenerTags(ctx, existing, d.listeners);

  // Listeners no port wants any more (their rules go with them).
  const wanted = new Set(d.listeners.map((l) => l.port));
  for (const l of existing) {
    if (l.Port === undefined || wanted.has(l.Port) || !l.ListenerArn) continue;
    if (!full && !removedPorts.includes(l.Port)) continue;
    const ListenerArn = l.ListenerArn;
    await ctx.write({ action: 'delete', kind: 'Listener', resource: `${l.Protocol}:${l.Port}` }, () =>
      deleted(() => ctx.clients.elbv2.send(new DeleteListenerCommand({ ListenerArn }))),
    );
  }
}

/**
 * The listener's certificates: the named ones, then the ACM certificates discovered for its hosts
 * (one ACM listing per reconcile that needs it, shared by the stack's listeners).
 */
async function certificatesOf(l: DesiredListener, discovery: () => CertificateDiscovery): Promise<string[]> {
  if (l.protocol !== 'HTTPS' || !l.discoverCertificatesFor?.length) return l.certificateArns;
  const r = await listenerCertificateArns(l, discovery());
  if (!r.ok) throw new ReconcileFailure('NotFound', r.message, `HTTPS:${l.port}`);
  return r.certificateArns;
}

async function ensureListener(
  ctx: Ctx,
  LoadBalancerArn: string,
  d: DesiredListener,
  current: Listener | undefined,
  arnOf: ArnOf,
  certificateArns: readonly string[],
): Promise<Ref> {
  const DefaultActions = [toSdkAction(d.defaultAction, arnOf)];
  const defaultCert = certificateArns[0];
  const tls =
    d.protocol === 'HTTPS'
      ? { SslPolicy: d.sslPolicy, Certificates: defaultCert ? [{ CertificateArn: defaultCert }] : [] }
      : {};
  const label = `${d.protocol}:${d.port}`;
  let ref: Ref;
  if (!current) {
    const r = await ctx.write({ action: 'create', kind: 'Listener', resource: label }, () =>
      ctx.clients.elbv2.send(
        new CreateListenerCommand({
          LoadBalancerArn,
          Port: d.port,
          Protocol: d.protocol,
          DefaultActions,
          ...tls,
          Tags: toSdkTags(d.tags),
        }),
      ),
    );
    const arn = r?.Listeners?.[0]?.ListenerArn;
    ref = arn ? known(arn) : pending(`listener ${label}`);
  } else {
    ref = known(current.ListenerArn ?? '');
    if (listenerDiffers(current, d, DefaultActions, defaultCert)) {
      const ListenerArn = current.ListenerArn;
      await ctx.write({ action: 'update', kind: 'Listener', resource: label }, () =>
        ctx.clients.elbv2.send(
          new ModifyListenerCommand({
            ListenerArn,
            Port: d.port,
            Protocol: d.protocol,
            DefaultActions,
            ...tls,
          }),
        ),
      );
    }
  }
  if (d.protocol === 'HTTPS') await syncCertificates(ctx, ref, label, current !== undefined, certificateArns);
  return ref;
}

async function syncCertificates(
  ctx: Ctx,
  ref: Ref,
  label: string,
  existed: boolean,
  want: readonly string[],
) {
  const ListenerArn = refText(ref);
  const have = existed && ref.kind === 'known' ? await extraCertificatesOf(ctx.clients, ListenerArn) : [];
  const { add, remove } = diffCertificates(have, want, want[0]);
  if (add.length) {
    await ctx.write(
      { action: 'update', kind: 'Listener', resource: label, detail: `add certificates ${add.join(', ')}` },
      () =>
        ctx.clients.elbv2.send(
          new AddListenerCertificatesCommand({
            ListenerArn,
            Certificates: add.map((CertificateArn) => ({ CertificateArn })),
          }),
        ),
    );
  }
  if (remove.length) {
    await ctx.write(
      {
        action: 'update',
        kind: 'Listener',
        resource: label,
        detail: `remove certificates ${remove.join(', ')}`,
      },
      () =>
        ctx.clients.elbv2.send(
          new RemoveListenerCertificatesCommand({
            ListenerArn,
            Certificates: remove.map((CertificateArn) => ({ CertificateArn })),
          }),
        ),
    );
  }
}

/**
 * Two writers creating the same listener at once (or a retried create in an emulator) leave two on one
 * port. The writer that sees it removes the ones it created and yields; the other carries on.
 */
async function yieldOnDuplicates(
  ctx: Ctx,
  lbArn: string,
  mine: ReadonlyMap<number, { ref: Ref; existed: boolean }>,
) {
  const dup = duplicatePorts(await listenersOf(ctx.clients, lbArn));
  const toDrop = [...mine].filter(([port, m]) => dup.has(port) && !m.existed && m.ref.kind === 'known');
  if (toDrop.length === 0) return;
  for (const [port, m] of toDrop) {
    await ctx.write(
      { action: 'delete', kind: 'Listener', resource: `:${port}`, detail: 'created twice' },
      () => deleted(() => ctx.clients.elbv2.send(new DeleteListenerCommand({ ListenerArn: refText(m.ref) }))),
    );
  }
  throw conflict(`listener :${toDrop[0]![0]}`);
}

async function syncListenerTags(
  ctx: Ctx,
  existing: readonly Listener[],
  desired: readonly DesiredListener[],
) {
  const kept = existing.filter((l) => l.ListenerArn && desired.some((d) => d.port === l.Port));
  if (kept.length === 0) return;
  const tags = await new TagCache(ctx.clients).of(kept.map((l) => l.ListenerArn ?? ''));
  for (const l of kept) {
    const d = desired.find((x) => x.port === l.Port)!;
    await syncTags(
      ctx,
      { kind: 'Listener', name: `${d.protocol}:${d.port}`, id: l.ListenerArn ?? '', service: 'elbv2' },
      tags.get(l.ListenerArn ?? '') ?? {},
      d.tags,
    );
  }
}

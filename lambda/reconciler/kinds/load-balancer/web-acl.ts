/** `wafv2-acl-arn`: absent leaves WAF alone; `none` disassociates; an ARN associates that WebACL. */
import {
  AssociateWebACLCommand,
  DisassociateWebACLCommand,
  GetWebACLForResourceCommand,
} from '@aws-sdk/client-wafv2';
import type { DesiredLoadBalancer } from '../../../../shared/model';
import type { Ctx } from '../../context';
import { ReconcileFailure } from '../../errors';

export async function ensureWebAcl(
  ctx: Ctx,
  lbArn: string,
  d: DesiredLoadBalancer,
  existed: boolean,
): Promise<void> {
  const want = d.wafv2AclArn;
  if (want === undefined) return;
  const waf = ctx.clients.wafv2;
  if (!waf) throw new ReconcileFailure('Internal', 'wafv2-acl-arn is set but no WAFv2 client was configured');
  const current = existed
    ? (await waf.send(new GetWebACLForResourceCommand({ ResourceArn: lbArn }))).WebACL?.ARN
    : undefined;
  if (want === 'none') {
    if (current) {
      await ctx.write(
        { action: 'update', kind: 'LoadBalancer', resource: d.name, detail: 'disassociate WAF WebACL' },
        () => waf.send(new DisassociateWebACLCommand({ ResourceArn: lbArn })),
      );
    }
    return;
  }
  if (current !== want) {
    await ctx.write(
      { action: 'update', kind: 'LoadBalancer', resource: d.name, detail: `associate WAF WebACL ${want}` },
      () => waf.send(new AssociateWebACLCommand({ WebACLArn: want, ResourceArn: lbArn })),
    );
  }
}

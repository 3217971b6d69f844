/**
 * LBC's `Test_defaultModelBuildTask_buildTargetGroupName` golden values against `shared/names`. LBC's
 * test runs with an empty cluster name and an empty group id (an explicit group with an empty name, so its stack id is ""), which no build
 * produces, so the name function is called directly. Same names = an LBC-made target group is adopted.
 * ("include control port" is not ported: target-control-port is not supported.)
 */
import { describe, expect, it } from 'vitest';
import type { Protocol, TargetType } from '../../shared/model';
import { targetGroupName } from '../../shared/names';

const base = {
  cluster: '',
  stackId: '',
  ingressNamespace: 'ns-1',
  ingressName: 'name-1',
  serviceNamespace: 'ns-1',
  serviceName: 'name-1',
  serviceUid: 'my-uuid',
  portAsWritten: 'http',
  targetPort: 8080,
  targetType: 'ip' as TargetType,
  protocol: 'HTTP' as Protocol,
  protocolVersion: 'HTTP1' as const,
};

const CASES: [string, Partial<typeof base>, string][] = [
  ['standard case', {}, 'k8s-ns1-name1-2c37289a00'],
  ['standard case - port differs', { portAsWritten: '80' }, 'k8s-ns1-name1-ab859e54b5'],
  ['standard case - tgPort differs', { targetPort: 9090 }, 'k8s-ns1-name1-6481032048'],
  ['standard case - targetType differs', { targetType: 'instance' }, 'k8s-ns1-name1-f4adfdc175'],
  ['standard case - protocol differs', { protocol: 'HTTPS' }, 'k8s-ns1-name1-22fbce26a7'],
];

describe('LBC target-group names (model_build_target_group_test.go: Test_defaultModelBuildTask_buildTargetGroupName)', () => {
  for (const [name, over, want] of CASES) {
    it(name, () => expect(targetGroupName({ ...base, ...over })).toBe(want));
  }
});

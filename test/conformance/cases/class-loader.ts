/**
 * `class_loader_test.go`: an Ingress's IngressClass (named, or the default one) and the
 * IngressClassParams it references (apiGroup and kind, existence, namespaceSelector). LBC returns the
 * class configuration or an error; here the Ingress is managed (a member of its group), not managed, or
 * denied with the problem that corresponds to LBC's error.
 */
import type { V1IngressClass, V1Namespace } from '@kubernetes/client-node';
import type { ConformanceCase, Expectation } from '../case';
import { classParams, cluster, ingress, rule, service, to } from '../fixtures';

const loadSource = 'class_loader_test.go: Test_defaultClassLoader_Load';
const nsSource =
  'class_loader_test.go: Test_defaultClassLoader_validateIngressClassParamsNamespaceRestriction';

function ingClass(
  name: string,
  controller: string,
  o: { isDefault?: boolean; params?: { apiGroup?: string; kind: string; name: string } } = {},
): V1IngressClass {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: {
      name,
      ...(o.isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}),
    },
    spec: { controller, ...(o.params ? { parameters: o.params } : {}) },
  };
}
const namespace = (name: string, labels?: Record<string, string>): V1Namespace => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, ...(labels ? { labels } : {}) },
});
const ALB = 'ingress.k8s.aws/alb';

function objects(
  ns: string,
  className: string | undefined,
  classes: V1IngressClass[],
  o: { params?: ReturnType<typeof classParams>[]; namespaces?: V1Namespace[] } = {},
) {
  const ing = ingress(ns, 'awesome-ing', { rules: [rule(undefined, to('/', 'svc', 80, 'Prefix'))] });
  if (className) ing.spec!.ingressClassName = className;
  else delete ing.spec!.ingressClassName;
  return cluster({
    ingresses: [ing],
    ingressClasses: classes,
    ingressClassParams: o.params ?? [],
    namespaces: o.namespaces ?? [namespace(ns)],
    services: [service(ns, 'svc', [{ port: 80, targetPort: 8080, nodePort: 30080 }])],
  });
}
const managed = (ns: string, yes: boolean): Expectation => ({
  kind: 'group',
  members: yes ? [`${ns}/awesome-ing`] : [],
  inactiveMembers: [],
});
const awesomeParams = (selector?: Record<string, string>) =>
  classParams('awesome-class-params', selector ? { namespaceSelector: { matchLabels: selector } } : {});
const paramsRef = { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: 'awesome-class-params' };
const UNKNOWN_PARAMS = 'invalid ingress class: IngressClass awesome-class references unknown parameters';
const unknownParams =
  /spec\.ingressClassName: awesome-class: expected an IngressClass whose spec\.parameters reference apiGroup elbv2\.k8s\.aws, kind IngressClassParams/;

export const CLASS_LOADER_CASES: ConformanceCase[] = [
  {
    name: 'when IngressClassName unspecified - Default class specified',
    source: loadSource,
    stackId: 'awesome-ns/awesome-ing',
    // LBC picks the default class, which belongs to another controller: not ours.
    objects: objects('awesome-ns', undefined, [
      ingClass('awesome-ingress-class', 'awesome-ingress-controller', { isDefault: true }),
    ]),
    lbc: managed('awesome-ns', false),
  },
  {
    name: 'when IngressClassName unspecified - Default class unspecified',
    source: loadSource,
    stackId: 'awesome-ns/awesome-ing',
    objects: objects('awesome-ns', undefined, []),
    lbc: managed('awesome-ns', false),
  },
  {
    name: 'when IngressClassName unspecified - Multiple default classes specified',
    source: loadSource,
    stackId: 'awesome-ns/awesome-ing',
    objects: objects('awesome-ns', undefined, [
      ingClass('awesome-ingress-class-1', 'awesome-ingress-controller-1', { isDefault: true }),
      ingClass('awesome-ingress-class-2', 'awesome-ingress-controller-2', { isDefault: true }),
    ]),
    lbc: { kind: 'error', lbc: 'multiple default IngressClasses found', problems: [/default/] },
    status: 'deviation',
    deviation:
      'with several default IngressClasses an Ingress without a class is not managed (admitted untouched); LBC reports an error',
    albatross: managed('awesome-ns', false),
  },
  {
    name: 'when IngressClass is ALB - Multiple default classes specified',
    source: loadSource,
    stackId: 'awesome-ns/awesome-ing',
    objects: objects('awesome-ns', 'awesome-ingress-class-1', [
      ingClass('awesome-ingress-class-1', ALB, { isDefault: true }),
      ingClass('awesome-ingress-class-2', 'awesome-ingress-controller-2', { isDefault: true }),
    ]),
    lbc: managed('awesome-ns', true),
  },
  {
    name: 'when IngressClass not found',
    source: loadSource,
    stackId: 'awesome-ns/awesome-ing',
    objects: objects('awesome-ns', 'awesome-class', []),
    lbc: {
      kind: 'error',
      lbc: 'invalid ingress class: ingressclasses.networking.k8s.io "awesome-class" not found',
      problems: [/awesome-class/],
    },
    status: 'deviation',
    deviation:
      'an Ingress naming an IngressClass that does not exist is not managed while it holds no group’s finalizer (admitted untouched, SPEC §1); LBC reports an error. One that holds a finalizer keeps its group, which fails to build, as in LBC',
    albatross: managed('awesome-ns', false),
  },
  {
    name: 'when IngressClass found and belong to other controller',
    source: loadSource,
    stackId: 'awesome-ns/awesome-ing',
    objects: objects('awesome-ns', 'awesome-class', [
      ingClass('awesome-class', 'some-other-controller', {
        params: { kind: 'IngressClassParams', name: 'awesome-class-config' },
      }),
    ]),
    lbc: managed('awesome-ns', false),
  },
  {
    name: 'when IngressClass is ALB - without IngressClassParams',
    source: loadSource,
    stackId: 'awesome-ns/awesome-ing',
    objects: objects('awesome-ns', 'awesome-class', [ingClass('awesome-class', ALB)]),
    lbc: managed('awesome-ns', true),
  },
  {
    name: 'when IngressClass is ALB - with invalid IngressClassParams - empty APIGroup',
    source: loadSource,
    stackId: 'awesome-ns/awesome-ing',
    objects: objects('awesome-ns', 'awesome-class', [
      ingClass('awesome-class', ALB, {
        params: { kind: 'IngressClassParams', name: 'awesome-class-params' },
      }),
    ]),
    lbc: { kind: 'error', lbc: UNKNOWN_PARAMS, problems: [unknownParams] },
  },
  {
    name: 'when IngressClass is ALB - with invalid IngressClassParams - unknown APIGroup',
    source: loadSource,
    stackId: 'awesome-ns/awesome-ing',
    objects: objects('awesome-ns', 'awesome-class', [
      ingClass('awesome-class', ALB, {
        params: { apiGroup: 'some.other.group/v1', kind: 'IngressClassParams', name: 'awesome-class-params' },
      }),
    ]),
    lbc: { kind: 'error', lbc: UNKNOWN_PARAMS, problems: [unknownParams] },
  },
  {
    name: 'when IngressClass is ALB - with invalid IngressClassParams - unknown Kind',
    source: loadSource,
    stackId: 'awesome-ns/awesome-ing',
    objects: objects('awesome-ns', 'awesome-class', [
      ingClass('awesome-class', ALB, {
        params: { apiGroup: 'elbv2.k8s.aws', kind: 'SomeOtherKind', name: 'awesome-class-params' },
      }),
    ]),
    lbc: { kind: 'error', lbc: UNKNOWN_PARAMS, problems: [unknownParams] },
  },
  {
    name: 'when IngressClass is ALB - with invalid IngressClassParams - non-exists',
    source: loadSource,
    stackId: 'awesome-ns/awesome-ing',
    objects: objects('awesome-ns', 'awesome-class', [ingClass('awesome-class', ALB, { params: paramsRef })]),
    lbc: {
      kind: 'error',
      lbc: 'invalid ingress class: ingressclassparamses.elbv2.k8s.aws "awesome-class-params" not found',
      problems: [
        /expected IngressClassParams awesome-class-params, which IngressClass awesome-class references, to exist/,
      ],
    },
  },
  {
    name: 'when IngressClass is ALB - with invalid IngressClassParams - namespaceSelector mismatch',
    source: loadSource,
    stackId: 'awesome-ns/awesome-ing',
    objects: objects('awesome-ns', 'awesome-class', [ingClass('awesome-class', ALB, { params: paramsRef })], {
      params: [awesomeParams({ team: 'awesome-team' })],
      namespaces: [namespace('awesome-ns', { team: 'another-team' })],
    }),
    lbc: {
      kind: 'error',
      lbc: 'invalid ingress class: namespaceSelector of IngressClassParams awesome-class-params mismatch',
      problems: [
        /IngressClassParams awesome-class-params spec\.namespaceSelector: namespace awesome-ns: expected a namespace matching/,
      ],
    },
  },
  {
    name: 'when IngressClass is ALB - with valid IngressClassParams',
    source: loadSource,
    stackId: 'awesome-ns/awesome-ing',
    objects: objects('awesome-ns', 'awesome-class', [ingClass('awesome-class', ALB, { params: paramsRef })], {
      params: [awesomeParams({ team: 'awesome-team' })],
      namespaces: [namespace('awesome-ns', { team: 'awesome-team' })],
    }),
    lbc: managed('awesome-ns', true),
  },

  {
    name: 'when ingressClassParams have empty namespaceSelector',
    source: nsSource,
    stackId: 'my-ns/awesome-ing',
    objects: objects('my-ns', 'awesome-class', [ingClass('awesome-class', ALB, { params: paramsRef })], {
      params: [awesomeParams()],
    }),
    lbc: managed('my-ns', true),
  },
  {
    name: "when ingressClassParams have nonempty namespaceSelector - matches Ingress's namespace [without admission request]",
    source: nsSource,
    stackId: 'awesome-ns/awesome-ing',
    objects: objects('awesome-ns', 'awesome-class', [ingClass('awesome-class', ALB, { params: paramsRef })], {
      params: [awesomeParams({ team: 'awesome-team' })],
      namespaces: [namespace('awesome-ns', { team: 'awesome-team' })],
    }),
    lbc: managed('awesome-ns', true),
  },
  {
    name: "when ingressClassParams have nonempty namespaceSelector - mismatches Ingress's namespace",
    source: nsSource,
    stackId: 'awesome-ns/awesome-ing',
    objects: objects('awesome-ns', 'awesome-class', [ingClass('awesome-class', ALB, { params: paramsRef })], {
      params: [awesomeParams({ team: 'awesome-team' })],
      namespaces: [namespace('awesome-ns', { team: 'another-team' })],
    }),
    lbc: {
      kind: 'error',
      lbc: 'namespaceSelector of IngressClassParams awesome-class-params mismatch',
      problems: [/spec\.namespaceSelector: namespace awesome-ns: expected a namespace matching/],
    },
  },
];

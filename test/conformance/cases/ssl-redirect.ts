/**
 * `Test_defaultModelBuildTask_buildSSLRedirectConfig`. LBC's test hands its builder the listener set
 * {80: HTTP, 443: HTTPS}; here every Ingress asks for it with `listen-ports` and a certificate, and the
 * groups LBC assembles in code are explicit groups (`group.name`).
 */
import type { ConformanceCase } from '../case';
import { classParams, cluster, ingress, ingressClass, rule, service, to } from '../fixtures';
import { fixed404, type NStack, sslRedirect } from '../neutral';

const source = 'model_builder_test.go: Test_defaultModelBuildTask_buildSSLRedirectConfig';
const adapted = 'the listener set LBC passes in ({80: HTTP, 443: HTTPS}) is asked for with listen-ports';
const groupAdapted = `${adapted}; the group LBC builds in code is group.name=awesome-group`;
const CERT = 'arn:aws:acm:us-east-1:999999999999:certificate/11111111';
const ports = { 'listen-ports': '[{"HTTP":80},{"HTTPS":443}]', 'certificate-arn': CERT };

function member(n: 1 | 2, annotations: Record<string, string>, group?: string, className = 'alb') {
  const ing = ingress(`ns-${n}`, `ing-${n}`, {
    annotations: { ...ports, ...(group ? { 'group.name': group } : {}), ...annotations },
    rules: [rule(`app-${n}.example.com`, to(`/svc-${n}`, `svc-${n}`, 'http'))],
  });
  ing.spec!.ingressClassName = className;
  return ing;
}
/** Class `alb-redirect` takes `sslRedirectPort: "443"` from its IngressClassParams. */
const redirectClass = {
  ingressClasses: [ingressClass('alb'), ingressClass('alb-redirect', 'redirect-params')],
  ingressClassParams: [classParams('redirect-params', { sslRedirectPort: '443' })],
};
const paramsAdapted = `${groupAdapted}; ing-1's class configuration is the IngressClass alb-redirect with IngressClassParams`;
const services = [1, 2].map((n) =>
  service(`ns-${n}`, `svc-${n}`, [{ name: 'http', port: 80, targetPort: 8080, nodePort: 32768 }]),
);
const single = (annotations: Record<string, string>) =>
  cluster({ ingresses: [member(1, annotations)], services });
const pair = (a: Record<string, string>, b: Record<string, string>) =>
  cluster({ ingresses: [member(1, a, 'awesome-group'), member(2, b, 'awesome-group')], services });

/** What LBC's SSLRedirectConfig decides, seen on the HTTP listener: its default action, and no rules. */
const http80 = (s: NStack) => {
  const l = s.listeners.find((x) => x.port === 80);
  return { defaultAction: l?.defaultAction, redirectsEverything: l?.rules.length === 0 };
};
const redirects = { defaultAction: sslRedirect(443), redirectsEverything: true };
const noRedirect = { defaultAction: fixed404, redirectsEverything: false };

export const SSL_REDIRECT_CASES: ConformanceCase[] = [
  {
    name: 'single Ingress without ssl-redirect annotation',
    source,
    adapted,
    objects: single({}),
    lbc: { kind: 'stack', select: http80, equals: noRedirect },
  },
  {
    name: 'single Ingress with ssl-redirect annotation',
    source,
    adapted,
    objects: single({ 'ssl-redirect': '443' }),
    lbc: { kind: 'stack', select: http80, equals: redirects },
  },
  {
    name: 'single Ingress with IngressClassParam for ssl-redirect',
    source,
    adapted: `${adapted}; the IngressClass alb-redirect with IngressClassParams`,
    objects: cluster({ ...redirectClass, ingresses: [member(1, {}, undefined, 'alb-redirect')], services }),
    lbc: { kind: 'stack', select: http80, equals: redirects },
  },
  {
    name: 'single Ingress with ssl-redirect annotation but refer non-exists port',
    source,
    adapted,
    objects: single({ 'ssl-redirect': '8443' }),
    lbc: {
      kind: 'error',
      lbc: 'listener does not exist for SSLRedirect port: 8443',
      problems: [/ssl-redirect: 8443: expected/],
    },
  },
  {
    name: 'single Ingress with ssl-redirect annotation but refer non-SSL port',
    source,
    adapted,
    objects: single({ 'ssl-redirect': '80' }),
    lbc: {
      kind: 'error',
      lbc: 'listener protocol non-SSL for SSLRedirect port: 80',
      problems: [/ssl-redirect: 80: expected/],
    },
  },
  {
    name: 'multiple Ingress without ssl-redirect annotation',
    source,
    adapted: groupAdapted,
    stackId: 'awesome-group',
    objects: pair({}, {}),
    lbc: { kind: 'stack', select: http80, equals: noRedirect },
  },
  {
    name: 'multiple Ingress with one ingress have ssl-redirect annotation',
    source,
    adapted: groupAdapted,
    stackId: 'awesome-group',
    objects: pair({ 'ssl-redirect': '443' }, {}),
    lbc: { kind: 'stack', select: http80, equals: redirects },
  },
  {
    name: 'multiple Ingress with one IngressClassParam for ssl-redirect',
    source,
    adapted: paramsAdapted,
    stackId: 'awesome-group',
    objects: cluster({
      ...redirectClass,
      ingresses: [member(1, {}, 'awesome-group', 'alb-redirect'), member(2, {}, 'awesome-group')],
      services,
    }),
    lbc: { kind: 'stack', select: http80, equals: redirects },
  },
  {
    name: 'multiple Ingress with SSLRedirectPort defined by both annotation and IngressClassParams',
    source,
    adapted: paramsAdapted,
    stackId: 'awesome-group',
    objects: cluster({
      ...redirectClass,
      ingresses: [
        member(1, {}, 'awesome-group', 'alb-redirect'),
        member(2, { 'ssl-redirect': '443' }, 'awesome-group'),
      ],
      services,
    }),
    lbc: { kind: 'stack', select: http80, equals: redirects },
  },
  {
    name: 'multiple Ingress with same ssl-redirect annotation',
    source,
    adapted: groupAdapted,
    stackId: 'awesome-group',
    objects: pair({ 'ssl-redirect': '443' }, { 'ssl-redirect': '443' }),
    lbc: { kind: 'stack', select: http80, equals: redirects },
  },
  {
    name: 'multiple Ingress with conflicting ssl-redirect annotation',
    source,
    adapted: groupAdapted,
    stackId: 'awesome-group',
    objects: pair({ 'ssl-redirect': '443' }, { 'ssl-redirect': '8443' }),
    lbc: {
      kind: 'error',
      lbc: 'conflicting sslRedirect port: [443 8443]',
      problems: [
        /ns-2\/ing-2: alb\.ingress\.kubernetes\.io\/ssl-redirect: 8443: expected 443 to match ns-1\/ing-1/,
      ],
    },
  },
];

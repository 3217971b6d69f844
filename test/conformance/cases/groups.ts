/**
 * `group_loader_test.go`: which Ingresses are the active and inactive members of a group, their order,
 * and valid group names. LBC's "deleted without finalizer" Ingress is gone from the API server, so it is
 * absent here; "deleted with finalizer" carries a deletionTimestamp.
 */
import type { V1Ingress } from '@kubernetes/client-node';
import type { ConformanceCase } from '../case';
import { classParams, cluster, ingress, ingressClass } from '../fixtures';

const file = 'group_loader_test.go';
const loadSource = `${file}: Test_defaultGroupLoader_Load`;
const sortSource = `${file}: Test_defaultGroupLoader_sortGroupMembers`;
const nameSource = `${file}: Test_validateGroupName`;

const CLASSES = [
  ingressClass('ing-class-a', 'ing-class-a-params'),
  ingressClass('ing-class-b', 'ing-class-b-params'),
  ingressClass('ing-class-c', 'ing-class-c-params'),
  ingressClass('ing-class-d'),
];

/** An Ingress of LBC's group-loader fixtures: by IngressClass name, or by the legacy annotation. */
function member(
  name: string,
  o: { className?: string; legacyClass?: boolean; group?: string; finalizers?: string[]; deleting?: boolean },
): V1Ingress {
  const ing = ingress('ing-ns', name, { annotations: o.group ? { 'group.name': o.group } : {} });
  if (o.legacyClass) {
    ing.metadata!.annotations = { ...ing.metadata!.annotations, 'kubernetes.io/ingress.class': 'alb' };
    delete ing.spec!.ingressClassName;
  } else ing.spec!.ingressClassName = o.className;
  if (o.finalizers) ing.metadata!.finalizers = o.finalizers;
  if (o.deleting) ing.metadata!.deletionTimestamp = new Date('2026-01-01T00:00:00Z');
  return ing;
}
const ing1 = member('ing-1', { className: 'ing-class-a' });
const ing2 = member('ing-2', { className: 'ing-class-b' });
const ing3 = member('ing-3', { className: 'ing-class-c' });
const ing4 = member('ing-4', { className: 'ing-class-d' });
const ing5 = member('ing-5', { className: 'ing-class-d', group: 'awesome-group' });
const ing6 = member('ing-6', { legacyClass: true });
const ing6DeletedWithFinalizer = member('ing-6', {
  legacyClass: true,
  finalizers: ['ingress.k8s.aws/resources'],
  deleting: true,
});
const ing7 = member('ing-7', { legacyClass: true, group: 'awesome-group' });
const ing5WithImplicitFinalizer = member('ing-5', {
  className: 'ing-class-d',
  group: 'awesome-group',
  finalizers: ['ingress.k8s.aws/resources'],
});
const ing7WithImplicitFinalizer = member('ing-7', {
  legacyClass: true,
  group: 'awesome-group',
  finalizers: ['ingress.k8s.aws/resources'],
});

const PARAMS = [
  classParams('ing-class-a-params', { group: { name: 'awesome-group' } }),
  classParams('ing-class-b-params', { group: { name: 'awesome-group' } }),
  classParams('ing-class-c-params', { group: { name: 'another-group' } }),
];
const ing1DeletedWithFinalizer = member('ing-1', {
  className: 'ing-class-a',
  finalizers: ['group.ingress.k8s.aws/awesome-group'],
  deleting: true,
});
const ing1WithHighGroupOrder = member('ing-1', { className: 'ing-class-a' });
ing1WithHighGroupOrder.metadata!.annotations = { 'alb.ingress.kubernetes.io/group.order': '100' };

const load = (
  name: string,
  stackId: string,
  ingresses: V1Ingress[],
  members: string[],
  inactiveMembers: string[] = [],
): ConformanceCase => ({
  name,
  source: loadSource,
  stackId,
  objects: cluster({ ingressClasses: CLASSES, ingressClassParams: PARAMS, ingresses }),
  lbc: { kind: 'group', members, inactiveMembers },
});

/** Members of group `g` in namespace `namespace`, each with an optional group.order. */
function sortCase(name: string, given: [string, string?][], want: string[]): ConformanceCase {
  return {
    name,
    source: sortSource,
    adapted: 'the Ingresses LBC sorts are members of group g',
    stackId: 'g',
    objects: cluster({
      ingresses: given.map(([n, order]) =>
        ingress('namespace', n, {
          annotations: { 'group.name': 'g', ...(order ? { 'group.order': order } : {}) },
        }),
      ),
    }),
    lbc: { kind: 'group', members: want.map((n) => `namespace/${n}`), inactiveMembers: [] },
  };
}

function groupNameCase(name: string, groupName: string, lbcError?: string): ConformanceCase {
  const objects = cluster({
    ingresses: [ingress('ns', 'ing', { annotations: { 'group.name': groupName } })],
  });
  if (lbcError === undefined)
    return {
      name,
      source: nameSource,
      stackId: groupName,
      objects,
      lbc: { kind: 'group', members: ['ns/ing'], inactiveMembers: [] },
    };
  return {
    name,
    source: nameSource,
    stackId: 'ns/ing',
    objects,
    lbc: {
      kind: 'error',
      lbc: lbcError,
      problems: [
        new RegExp(`group\\.name: ${groupName}: expected at most 63 characters of a-z, 0-9, - and \\.`),
      ],
    },
  };
}

const classifySource = `${file}: Test_defaultGroupLoader_classifyIngress`;
/** Is `ing-ns/ing-name` ours? As the members of its implicit group: itself, or nobody. */
function classify(
  name: string,
  o: { legacyClass?: string; className?: string; controller?: string },
  ours: boolean,
): ConformanceCase {
  const ing = ingress('ing-ns', 'ing-name');
  if (o.legacyClass) ing.metadata!.annotations = { 'kubernetes.io/ingress.class': o.legacyClass };
  if (o.className) ing.spec!.ingressClassName = o.className;
  else delete ing.spec!.ingressClassName;
  const classes = o.controller ? [{ ...ingressClass('ing-class'), spec: { controller: o.controller } }] : [];
  return {
    name,
    source: classifySource,
    stackId: 'ing-ns/ing-name',
    objects: cluster({ ingressClasses: classes, ingresses: [ing] }),
    lbc: { kind: 'group', members: ours ? ['ing-ns/ing-name'] : [], inactiveMembers: [] },
  };
}

// ---- Test_defaultGroupLoader_checkGroupMembershipType: is ing-ns/ing-name an active, inactive or no
// member of awesome-group (members / inactiveMembers of that stack).
const membershipSource = `${file}: Test_defaultGroupLoader_checkGroupMembershipType`;
function membership(
  name: string,
  o: {
    className?: string;
    paramsGroup?: string | null;
    groupAnnotation?: string;
    finalizer?: boolean;
    deleting?: boolean;
  },
  want: 'active' | 'inactive' | 'none',
): ConformanceCase {
  const ing = member('ing-name', {
    ...(o.className ? { className: o.className } : { legacyClass: true }),
    ...(o.groupAnnotation ? { group: o.groupAnnotation } : {}),
    ...(o.finalizer ? { finalizers: ['group.ingress.k8s.aws/awesome-group'] } : {}),
    ...(o.deleting ? { deleting: true } : {}),
  });
  const params =
    o.paramsGroup === undefined
      ? []
      : [classParams('ing-class-params', o.paramsGroup === null ? {} : { group: { name: o.paramsGroup } })];
  return {
    name,
    source: membershipSource,
    stackId: 'awesome-group',
    objects: cluster({
      ingressClasses: [ingressClass('ing-class', 'ing-class-params')],
      ingressClassParams: params,
      ingresses: [ing],
    }),
    lbc: {
      kind: 'group',
      members: want === 'active' ? ['ing-ns/ing-name'] : [],
      inactiveMembers: want === 'inactive' ? ['ing-ns/ing-name'] : [],
    },
  };
}

// ---- Test_defaultGroupLoader_loadGroupID and loadGroupIDIfAnyHelper: the group an Ingress belongs to.
const groupIdSource = `${file}: Test_defaultGroupLoader_loadGroupID`;
const groupIdIfAnySource = `${file}: Test_defaultGroupLoader_loadGroupIDIfAnyHelper`;
const INVALID_GROUP =
  "invalid ingress group: groupName must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
function groupOfIngress(
  name: string,
  source: string,
  o: { annotation?: string; paramsGroup?: string; legacyClass?: string; deleting?: boolean },
  want:
    | { stackId: string; member: boolean; inactive?: boolean }
    | { stackId: string; problem: RegExp; lbc: string },
): ConformanceCase {
  const ing = ingress(
    'ing-ns',
    'ing-name',
    o.annotation ? { annotations: { 'group.name': o.annotation } } : {},
  );
  if (o.legacyClass) {
    ing.metadata!.annotations = {
      ...ing.metadata!.annotations,
      'kubernetes.io/ingress.class': o.legacyClass,
    };
    delete ing.spec!.ingressClassName;
  } else ing.spec!.ingressClassName = 'ing-class';
  if (o.deleting) {
    ing.metadata!.deletionTimestamp = new Date('2026-01-01T00:00:00Z');
    ing.metadata!.finalizers = ['ingress.k8s.aws/resources'];
  }
  const withParams = o.paramsGroup !== undefined;
  return {
    name,
    source,
    stackId: want.stackId,
    objects: cluster({
      ingressClasses: [ingressClass('ing-class', withParams ? 'ing-class-params' : undefined)],
      ingressClassParams: withParams
        ? [classParams('ing-class-params', { group: { name: o.paramsGroup } })]
        : [],
      ingresses: [ing],
    }),
    lbc:
      'problem' in want
        ? { kind: 'error', lbc: want.lbc, problems: [want.problem] }
        : {
            kind: 'group',
            members: want.member ? ['ing-ns/ing-name'] : [],
            inactiveMembers: want.inactive ? ['ing-ns/ing-name'] : [],
          },
  };
}
const invalidName = /group\.name: awesome-group\$: expected at most 63 characters of a-z, 0-9, - and \./;

export const GROUP_CASES: ConformanceCase[] = [
  groupOfIngress(
    'groupName specified via Ingress annotation',
    groupIdSource,
    { annotation: 'awesome-group' },
    { stackId: 'awesome-group', member: true },
  ),
  groupOfIngress(
    'groupName specified via Ingress annotation - but invalid',
    groupIdSource,
    { annotation: 'awesome-group$' },
    { stackId: 'ing-ns/ing-name', problem: invalidName, lbc: INVALID_GROUP },
  ),
  groupOfIngress(
    'groupName specified via IngressClassParams',
    groupIdSource,
    { paramsGroup: 'awesome-group' },
    { stackId: 'awesome-group', member: true },
  ),
  groupOfIngress(
    'groupName specified via IngressClassParams - but invalid',
    groupIdSource,
    { paramsGroup: 'awesome-group$' },
    {
      stackId: 'ing-ns/ing-name',
      problem: /IngressClassParams ing-class-params spec\.group\.name: awesome-group\$: expected/,
      lbc: INVALID_GROUP,
    },
  ),
  groupOfIngress(
    'groupName specified via both Ingress annotation & IngressClassParams',
    groupIdSource,
    { annotation: 'awesome-group-via-anno', paramsGroup: 'awesome-group-via-params' },
    { stackId: 'awesome-group-via-params', member: true },
  ),
  groupOfIngress('groupName not specified', groupIdSource, {}, { stackId: 'ing-ns/ing-name', member: true }),

  groupOfIngress(
    "ingress no longer belong to any IngressGroup when it's been deleted",
    groupIdIfAnySource,
    // A deleting Ingress exists only while it has a finalizer: it is leaving its group (inactive).
    { legacyClass: 'alb', deleting: true },
    { stackId: 'ing-ns/ing-name', member: false, inactive: true },
  ),
  groupOfIngress(
    'ingress specified groupID via IngressClassParams',
    groupIdIfAnySource,
    { paramsGroup: 'awesome-group' },
    { stackId: 'awesome-group', member: true },
  ),
  groupOfIngress(
    'ingress specified groupID via annotation',
    groupIdIfAnySource,
    { legacyClass: 'alb', annotation: 'awesome-group' },
    { stackId: 'awesome-group', member: true },
  ),
  groupOfIngress(
    'ingress defaults to have implicit groupID',
    groupIdIfAnySource,
    { legacyClass: 'alb' },
    { stackId: 'ing-ns/ing-name', member: true },
  ),
  groupOfIngress(
    "ingress isn't matched by controller's class",
    groupIdIfAnySource,
    { legacyClass: 'nginx' },
    { stackId: 'ing-ns/ing-name', member: false },
  ),
  groupOfIngress(
    "ingress's groupID is invalid",
    groupIdIfAnySource,
    { legacyClass: 'alb', annotation: 'awesome-group$' },
    { stackId: 'ing-ns/ing-name', problem: invalidName, lbc: INVALID_GROUP },
  ),
  membership(
    'ingress is active member of explicit group - groupID match with groupName from IngressClassParams',
    { className: 'ing-class', paramsGroup: 'awesome-group' },
    'active',
  ),
  membership(
    "ingress isn't member of explicit group - groupID mismatch with groupName from IngressClassParams",
    { className: 'ing-class', paramsGroup: 'another-group' },
    'none',
  ),
  membership(
    'ingress is inactive member of explicit group - groupID mismatch with groupName from IngressClassParams',
    { className: 'ing-class', paramsGroup: 'another-group', finalizer: true },
    'inactive',
  ),
  membership(
    "ingress don't hold explicit group's Finalizer - failed to Load IngressClassParams",
    { className: 'ing-class' },
    'none',
  ),
  {
    ...membership(
      "ingress holds explicit group's Finalizer - failed to Load IngressClassParams",
      { className: 'ing-class', finalizer: true },
      'none',
    ),
    // LBC cannot tell whether the Ingress is still in the group and fails its reconcile: nothing changes.
    lbc: {
      kind: 'error',
      lbc: 'Ingress has invalid IngressClass configuration: invalid ingress class: ingressclassparamses.elbv2.k8s.aws "ing-class-params" not found',
      problems: [
        /ing-ns\/ing-name: spec\.ingressClassName: ing-class: expected IngressClassParams ing-class-params, which IngressClass ing-class references, to exist/,
      ],
    },
  },
  membership(
    "ingress don't hold explicit group's Finalizer - failed to Load IngressGroup",
    { className: 'ing-class', paramsGroup: null },
    'none',
  ),
  membership(
    "ingress holds explicit group's Finalizer - failed to Load IngressGroup",
    { className: 'ing-class', paramsGroup: null, finalizer: true },
    'inactive',
  ),
  membership(
    'ingress is active member of explicit group - groupID match with groupName from annotation',
    { groupAnnotation: 'awesome-group' },
    'active',
  ),
  membership(
    "ingress isn't member of explicit group - groupID mismatch with groupName from annotation",
    { groupAnnotation: 'another-group' },
    'none',
  ),
  membership(
    'ingress is inactive member of explicit group - groupID mismatch with groupName from annotation',
    { groupAnnotation: 'another-group', finalizer: true },
    'inactive',
  ),
  membership(
    "ingress isn't member of a explicit group - ingress-been-deleted",
    { groupAnnotation: 'awesome-group', deleting: true },
    'none',
  ),
  membership(
    'ingress is inactive member of a explicit group - ingress-been-deleted',
    { groupAnnotation: 'awesome-group', finalizer: true, deleting: true },
    'inactive',
  ),
  classify('class specified via annotation - matches', { legacyClass: 'alb' }, true),
  classify('class specified via annotation - mismatches', { legacyClass: 'nginx' }, false),
  classify(
    'class specified via ingressClassName - matches',
    { className: 'ing-class', controller: 'ingress.k8s.aws/alb' },
    true,
  ),
  classify(
    'class specified via both annotation & ingressClassName - annotation takes priority',
    { legacyClass: 'alb', className: 'ing-class', controller: 'ingress.k8s.aws/alb' },
    true,
  ),
  classify(
    'class specified via ingressClassName - mismatches',
    { className: 'ing-class', controller: 'some.other/nginx' },
    false,
  ),
  {
    ...classify(
      'class specified via ingressClassName - ingressClass not found',
      { className: 'ing-class' },
      false,
    ),
    lbc: {
      kind: 'error',
      lbc: 'invalid ingress class: ingressclasses.networking.k8s.io "ing-class" not found',
      problems: [/ing-class/],
    },
    status: 'deviation',
    deviation:
      'an Ingress naming an IngressClass that does not exist is not managed while it holds no group’s finalizer (admitted untouched, SPEC §1); LBC reports an error. One that holds a finalizer keeps its group, which fails to build, as in LBC',
    albatross: { kind: 'group', members: [], inactiveMembers: [] },
  },
  {
    ...classify('no class specified - manageIngressesWithoutIngressClass is set', {}, true),
    status: 'deviation',
    deviation:
      'no --manage-ingresses-without-ingress-class flag: an Ingress without a class is ours only when the default IngressClass is',
    albatross: { kind: 'group', members: [], inactiveMembers: [] },
  },
  classify("no class specified - manageIngressesWithoutIngressClass isn't set", {}, false),
  classify(
    'class specified via ingressClassName - mismatches - manageIngressesWithoutIngressClass is set',
    { className: 'ing-class', controller: 'some.other/nginx' },
    false,
  ),

  load(
    'load explicit group(awesome-group)',
    'awesome-group',
    [ing1, ing2, ing3, ing4, ing5, ing6, ing7],
    ['ing-ns/ing-1', 'ing-ns/ing-2', 'ing-ns/ing-5', 'ing-ns/ing-7'],
  ),
  load(
    'load explicit group(awesome-group) - ing-1 been deleted with finalizer',
    'awesome-group',
    [ing1DeletedWithFinalizer, ing2, ing3, ing4, ing5, ing6, ing7],
    ['ing-ns/ing-2', 'ing-ns/ing-5', 'ing-ns/ing-7'],
    ['ing-ns/ing-1'],
  ),
  load(
    'load explicit group(awesome-group) - ing-1 been deleted without finalizer',
    'awesome-group',
    [ing2, ing3, ing4, ing5, ing6, ing7],
    ['ing-ns/ing-2', 'ing-ns/ing-5', 'ing-ns/ing-7'],
  ),
  load(
    'load explicit group(awesome-group) - ing-1 have explicit high group order',
    'awesome-group',
    [ing1WithHighGroupOrder, ing2, ing3, ing4, ing5, ing6, ing7],
    ['ing-ns/ing-2', 'ing-ns/ing-5', 'ing-ns/ing-7', 'ing-ns/ing-1'],
  ),
  load(
    'load implicit group(ing-ns/ing-4)',
    'ing-ns/ing-4',
    [ing1, ing2, ing3, ing4, ing5, ing6, ing7],
    ['ing-ns/ing-4'],
  ),
  load(
    'load implicit group(ing-ns/ing-6)',
    'ing-ns/ing-6',
    [ing1, ing2, ing3, ing4, ing5, ing6, ing7],
    ['ing-ns/ing-6'],
  ),
  load(
    'load implicit group(ing-ns/ing-6) - ing-6 been deleted without finalizer',
    'ing-ns/ing-6',
    [ing1, ing2, ing3, ing4, ing5, ing7],
    [],
  ),
  load(
    'load implicit group(ing-ns/ing-6) - ing-6 been deleted with finalizer',
    'ing-ns/ing-6',
    [ing1, ing2, ing3, ing4, ing5, ing6DeletedWithFinalizer, ing7],
    [],
    ['ing-ns/ing-6'],
  ),
  load(
    'load implicit group(ing-ns/ing-7) - ing-7 without implicit group finalizer',
    'ing-ns/ing-7',
    [ing1, ing2, ing3, ing4, ing5, ing6, ing7],
    [],
  ),
  load(
    'load implicit group(ing-ns/ing-7) - ing-7 with implicit group finalizer',
    'ing-ns/ing-7',
    [ing1, ing2, ing3, ing4, ing5WithImplicitFinalizer, ing6, ing7WithImplicitFinalizer],
    [],
    ['ing-ns/ing-7'],
  ),

  sortCase(
    'sort implicitly sorted Ingresses',
    [['ingress-c'], ['ingress-b'], ['ingress-a']],
    ['ingress-a', 'ingress-b', 'ingress-c'],
  ),
  sortCase(
    'sort explicitly sorted Ingresses',
    [
      ['ingress-a', '3'],
      ['ingress-b', '2'],
      ['ingress-c', '1'],
    ],
    ['ingress-c', 'ingress-b', 'ingress-a'],
  ),
  sortCase(
    'sort explicitly & implicitly sorted Ingresses',
    [['ingress-a', '1'], ['ingress-b'], ['ingress-c']],
    ['ingress-b', 'ingress-c', 'ingress-a'],
  ),
  sortCase('sort single Ingress', [['ingress']], ['ingress']),
  {
    name: 'invalid group order format',
    source: sortSource,
    adapted: 'the Ingress LBC sorts is a member of group g',
    stackId: 'g',
    objects: cluster({
      ingresses: [
        ingress('namespace', 'ingress', { annotations: { 'group.name': 'g', 'group.order': 'x' } }),
      ],
    }),
    lbc: {
      kind: 'error',
      lbc: 'failed to load Ingress group order for ingress: namespace/ingress: failed to parse int32 annotation, alb.ingress.kubernetes.io/group.order: x',
      problems: [/namespace\/ingress: alb\.ingress\.kubernetes\.io\/group\.order: x: expected/],
    },
  },
  sortCase(
    'two ingress with the same order should be sorted lexically',
    [
      ['ingress-b', '42'],
      ['ingress-a', '42'],
    ],
    ['ingress-a', 'ingress-b'],
  ),
  sortCase(
    'negative orders are allow',
    [
      ['ingress-b', '0'],
      ['ingress-a', '-1'],
    ],
    ['ingress-a', 'ingress-b'],
  ),

  groupNameCase('pure lower case letters', 'group'),
  groupNameCase('pure numbers', '42'),
  groupNameCase('lower case letters and numbers', 'm00nf1sh'),
  groupNameCase('lower case letters and numbers and dash', 'group-m00nf1sh'),
  groupNameCase(
    'upper case letters',
    'GROUP',
    "groupName must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
  ),
  groupNameCase('all possible character sets', 'aaaa-.cc-c.c'),
  groupNameCase(
    'starting with dash',
    '-abcdef',
    "groupName must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
  ),
  groupNameCase('63 character length', 'a'.repeat(63)),
  groupNameCase('64 character length', 'a'.repeat(64), 'groupName must be no more than 63 characters'),
];

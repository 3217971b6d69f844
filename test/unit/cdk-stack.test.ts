import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALARM_THRESHOLDS, DEFAULT_RUNBOOK_URL } from '../../infra/aws/observability';
import { AlbatrossStack, type AlbatrossStackProps, oidcIssuer } from '../../infra/aws/stack';
import {
  FAILURE_LOG_FIELDS,
  FAILURE_LOG_MESSAGE,
  METRICS_NAMESPACE,
  WEBHOOK_METRICS,
} from '../../shared/metric-names';

// Inline code keeps synth in-process and fast; the esbuild path is exercised by `cdk synth` (docs/operations.md).
function synth(extra: Partial<AlbatrossStackProps> = {}): Template {
  const app = new App();
  const stack = new AlbatrossStack(app, 'Test', {
    clusterName: 'demo',
    vpcId: 'vpc-123',
    lambdaCode: Code.fromInline('export const handler = async () => ({ batchItemFailures: [] });'),
    ...extra,
  });
  return Template.fromStack(stack);
}

type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};
type Resource = { Type: string; Properties: Record<string, unknown> };

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

function policyStatementsOfRole(t: Template, roleLogicalIdPrefix: string): Statement[] {
  const policies = t.findResources('AWS::IAM::Policy') as Record<string, Resource>;
  const out: Statement[] = [];
  for (const policy of Object.values(policies)) {
    const roles = policy.Properties.Roles as Array<{ Ref: string }>;
    if (!roles.some((r) => r.Ref.startsWith(roleLogicalIdPrefix))) continue;
    out.push(...(policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  }
  return out;
}

describe('AlbatrossStack', () => {
  let t: Template;
  // A synth takes a few seconds, more on a busy machine.
  beforeAll(() => {
    t = synth();
  }, 60_000);

  describe('queues', () => {
    it('makes a FIFO snapshot queue with explicit dedup ids, a FIFO DLQ after 5 receives, and 1 MiB bodies', () => {
      const queues = t.findResources('AWS::SQS::Queue') as Record<string, Resource>;
      const snapshot = Object.entries(queues).find(([id]) => id.startsWith('SnapshotQueue'))?.[1];
      const dlq = Object.entries(queues).find(([id]) => id.startsWith('SnapshotDlq'));
      expect(snapshot?.Properties).toMatchObject({
        FifoQueue: true,
        ContentBasedDeduplication: false,
        SqsManagedSseEnabled: true,
        MaximumMessageSize: 1048576,
        QueueName: 'albatross-demo-snapshots.fifo',
        RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: { 'Fn::GetAtt': [dlq?.[0], 'Arn'] } },
      });
      expect(dlq?.[1].Properties).toMatchObject({
        FifoQueue: true,
        QueueName: 'albatross-demo-snapshots-dlq.fifo',
      });
    });

    it('keeps messages invisible for at least 6 × the Lambda timeout', () => {
      const fn = Object.values(t.findResources('AWS::Lambda::Function') as Record<string, Resource>)[0];
      const timeout = fn?.Properties.Timeout as number;
      const snapshot = Object.entries(t.findResources('AWS::SQS::Queue') as Record<string, Resource>).find(
        ([id]) => id.startsWith('SnapshotQueue'),
      )?.[1];
      expect(timeout).toBe(60);
      expect(snapshot?.Properties.VisibilityTimeout as number).toBeGreaterThanOrEqual(6 * timeout);
    });

    it('makes a standard, encrypted results queue', () => {
      t.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: 'albatross-demo-results',
        SqsManagedSseEnabled: true,
        FifoQueue: Match.absent(),
      });
    });

    it('honours queue names given as props', () => {
      const named = synth({ queueName: 'q.fifo', deadLetterQueueName: 'd.fifo', resultsQueueName: 'r' });
      for (const name of ['q.fifo', 'd.fifo', 'r'])
        named.hasResourceProperties('AWS::SQS::Queue', { QueueName: name });
    });
  });

  describe('reconciler', () => {
    it('runs on arm64 Node.js ≥ 20 with 512 MB, 60 s and the Powertools/Albatross environment', () => {
      const fn = Object.values(t.findResources('AWS::Lambda::Function') as Record<string, Resource>)[0];
      const runtime = fn?.Properties.Runtime as string;
      expect(Number(/^nodejs(\d+)\.x$/.exec(runtime)?.[1])).toBeGreaterThanOrEqual(20);
      expect(fn?.Properties).toMatchObject({ Architectures: ['arm64'], MemorySize: 512, Timeout: 60 });
      expect(
        (fn?.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables,
      ).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'albatross-reconciler',
        POWERTOOLS_METRICS_NAMESPACE: 'Albatross',
        ALBATROSS_CLUSTER_NAME: 'demo',
        ALBATROSS_VPC_ID: 'vpc-123',
        RESULTS_QUEUE_URL: { Ref: expect.stringMatching(/^ResultsQueue/) },
      });
    });

    it('consumes the snapshot queue in batches of 10 with partial batch failures and bounded concurrency', () => {
      t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SnapshotQueue'), 'Arn'] },
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 5 },
      });
    });

    it('never allows an ELBv2 or EC2 delete/modify without the cluster tag condition', () => {
      const statements = policyStatementsOfRole(t, 'ReconcilerServiceRole');
      const mutating =
        /^(elasticloadbalancing|ec2):(Delete|Modify|Set|Register|Deregister|Create|Add|Remove|Authorize|Revoke)/;
      const writes = statements.filter((s) => actionsOf(s).some((a) => mutating.test(a)));
      expect(writes.length).toBeGreaterThan(0);
      for (const s of writes) {
        // The only unconditioned write: CreateSecurityGroup's authorization on the cluster VPC itself.
        if (s.Sid === 'Ec2CreateSgInVpc') {
          expect(actionsOf(s)).toEqual(['ec2:CreateSecurityGroup']);
          expect(s.Resource).toBe('arn:aws:ec2:*:*:vpc/vpc-123');
          continue;
        }
        const tagCondition = JSON.stringify(s.Condition ?? {});
        expect(tagCondition, `${s.Sid}: ${actionsOf(s).join(',')}`).toMatch(
          /"aws:(ResourceTag|RequestTag)\/elbv2\.k8s\.aws\/cluster":"demo"/,
        );
      }
      const deletes = writes.filter((s) => actionsOf(s).some((a) => /:(Delete|Modify)/.test(a)));
      for (const s of deletes) {
        expect(s.Condition?.StringEquals?.['aws:ResourceTag/elbv2.k8s.aws/cluster']).toBe('demo');
      }
      expect(
        statements.some((s) => actionsOf(s).some((a) => a === '*' || a === 'elasticloadbalancing:*')),
      ).toBe(false);
    });

    it('allows ELBv2 AddTags on new resources only as part of their creation', () => {
      const statements = policyStatementsOfRole(t, 'ReconcilerServiceRole');
      const onCreate = statements.find((s) => s.Sid === 'ElbTagOnCreate');
      expect(onCreate?.Condition?.StringEquals).toMatchObject({
        'aws:RequestTag/elbv2.k8s.aws/cluster': 'demo',
        'elasticloadbalancing:CreateAction': expect.arrayContaining([
          'CreateLoadBalancer',
          'CreateTargetGroup',
        ]),
      });
      const retag = statements.find((s) => s.Sid === 'ElbRetagOwned');
      expect(retag?.Condition).toMatchObject({
        StringEquals: { 'aws:ResourceTag/elbv2.k8s.aws/cluster': 'demo' },
        'ForAllValues:StringNotEquals': { 'aws:TagKeys': ['elbv2.k8s.aws/cluster'] },
      });
    });

    it('may send to the results queue and, with the error of a last attempt, to the DLQ', () => {
      const statements = policyStatementsOfRole(t, 'ReconcilerServiceRole');
      const sendTo = statements
        .filter((s) => actionsOf(s).includes('sqs:SendMessage'))
        .flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]))
        .map((r) => (r as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0].replace(/[0-9A-F]{8}$/, ''));
      expect(sendTo.sort()).toEqual(['ResultsQueue', 'SnapshotDlq']);
      const fn = Object.values(t.findResources('AWS::Lambda::Function') as Record<string, Resource>)[0];
      expect(
        (fn?.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables,
      ).toMatchObject({
        ALBATROSS_DLQ_URL: { Ref: expect.stringMatching(/^SnapshotDlq/) },
        ALBATROSS_MAX_RECEIVE_COUNT: '5',
      });
    });
  });

  describe('webhook role', () => {
    it('is assumable by EKS Pod Identity with session tags and associated with albatross-system/albatross', () => {
      t.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: ['sts:AssumeRole', 'sts:TagSession'],
              Principal: { Service: 'pods.eks.amazonaws.com' },
            }),
          ]),
        },
      });
      t.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
        ClusterName: 'demo',
        Namespace: 'albatross-system',
        ServiceAccount: 'albatross',
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebhookRole'), 'Arn'] },
      });
    });

    it('may only send snapshots, consume results, read load balancers and target health', () => {
      const statements = policyStatementsOfRole(t, 'WebhookRole');
      const actions = new Set(statements.flatMap(actionsOf));
      const allowed = new Set([
        'sqs:SendMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'elasticloadbalancing:DescribeLoadBalancers',
        'elasticloadbalancing:DescribeTags',
        'tag:GetResources',
        'cloudwatch:PutMetricData',
        // Readiness gates: the health of the targets pods wait on, nothing else of the target groups.
        'elasticloadbalancing:DescribeTargetGroups',
        'elasticloadbalancing:DescribeTargetHealth',
      ]);
      for (const a of actions) expect(allowed.has(a), a).toBe(true);
      expect(actions.has('elasticloadbalancing:DescribeTargetHealth')).toBe(true);
      const send = statements.find((s) => actionsOf(s).includes('sqs:SendMessage'));
      expect(send?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^SnapshotQueue/), 'Arn'] });
      const receive = statements.find((s) => actionsOf(s).includes('sqs:ReceiveMessage'));
      expect(receive?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ResultsQueue/), 'Arn'] });
      // Its own metrics only: PutMetricData has no resource, the namespace condition scopes it.
      const put = statements.find((s) => actionsOf(s).includes('cloudwatch:PutMetricData'));
      expect(put?.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } });
    });

    it('adds an IRSA trust scoped to the ServiceAccount when an OIDC provider is given', () => {
      const arn = 'arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC123';
      const withIrsa = synth({ oidcProviderArn: arn });
      withIrsa.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: 'sts:AssumeRoleWithWebIdentity',
              Principal: { Federated: arn },
              Condition: {
                StringEquals: {
                  'oidc.eks.us-east-1.amazonaws.com/id/ABC123:sub':
                    'system:serviceaccount:albatross-system:albatross',
                  'oidc.eks.us-east-1.amazonaws.com/id/ABC123:aud': 'sts.amazonaws.com',
                },
              },
            }),
          ]),
        },
      });
    });

    it('rejects a malformed OIDC provider ARN naming the field', () => {
      expect(() => oidcIssuer('oidc.eks.us-east-1.amazonaws.com')).toThrow(
        /oidcProviderArn: "oidc\.eks\.us-east-1\.amazonaws\.com": expected arn:aws:iam::<account>:oidc-provider/,
      );
    });

    it('can leave the Pod Identity association out', () => {
      synth({ podIdentityAssociation: false }).resourceCountIs('AWS::EKS::PodIdentityAssociation', 0);
    });
  });

  describe('dashboard and alarms', () => {
    it('has a dashboard with outcomes, failure reasons, duration percentiles, AWS calls, queue age, DLQ and Lambda', () => {
      const dashboards = t.findResources('AWS::CloudWatch::Dashboard') as Record<string, Resource>;
      expect(Object.keys(dashboards)).toHaveLength(1);
      const body = JSON.stringify(Object.values(dashboards)[0]?.Properties.DashboardBody);
      for (const needle of [
        'MetricName=\\\\\\"Reconciles\\\\\\"',
        'MetricName=\\\\\\"ReconcileFailures\\\\\\"',
        'ReconcileDuration',
        'p50',
        'p99',
        'AwsCallsRead',
        'AwsCallsWrite',
        'ThrottledCalls',
        'ApproximateAgeOfOldestMessage',
        'ApproximateNumberOfMessagesVisible',
        'Errors',
        'Throttles',
        'Duration',
      ]) {
        expect(body, needle).toContain(needle);
      }
    });

    it('alarms on DLQ depth > 0, oldest message age > 300 s, failure rate > 10 %, Lambda errors and the webhook', () => {
      t.resourceCountIs('AWS::CloudWatch::Alarm', 6);
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SnapshotDlq'), 'QueueName'] },
          },
        ],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateAgeOfOldestMessage',
        Threshold: ALARM_THRESHOLDS.oldestMessageAgeSeconds,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Errors',
        Namespace: 'AWS/Lambda',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      });
      const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>);
      const rate = alarms.find((a) => Array.isArray(a.Properties.Metrics))?.Properties;
      expect(rate?.Threshold).toBe(10);
      const queries = rate?.Metrics as Array<{
        Expression?: string;
        MetricStat?: {
          Metric: { MetricName: string; Dimensions: Array<{ Name: string; Value: string }> };
          Period: number;
        };
      }>;
      expect(queries.find((q) => q.Expression)?.Expression).toMatch(/100 \* FILL\(failed, 0\) \/ /);
      const stats = queries.flatMap((q) => (q.MetricStat ? [q.MetricStat] : []));
      expect(stats.map((s) => s.Metric.MetricName)).toEqual(['Reconciles', 'Reconciles']);
      expect(stats.every((s) => s.Period === 900)).toBe(true);
      // Attempted reconciles only: Skipped (the digest fast path) would dilute the rate.
      expect(
        stats
          .flatMap((s) => s.Metric.Dimensions.filter((d) => d.Name === 'Outcome').map((d) => d.Value))
          .sort(),
      ).toEqual(['Failed', 'Succeeded']);
      expect(queries.find((q) => q.Expression)?.Expression).not.toContain('skipped');
    });

    it('alarms when the webhook cannot send, and when its heartbeat is missing (missing data breaches)', () => {
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: METRICS_NAMESPACE,
        MetricName: WEBHOOK_METRICS.sendFailures,
        Dimensions: [{ Name: 'Cluster', Value: 'demo' }],
        Statistic: 'Sum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
      t.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: METRICS_NAMESPACE,
        MetricName: WEBHOOK_METRICS.heartbeat,
        Dimensions: [{ Name: 'Cluster', Value: 'demo' }],
        Statistic: 'Sum',
        Period: 60,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        EvaluationPeriods: ALARM_THRESHOLDS.heartbeatMissingMinutes,
        DatapointsToAlarm: ALARM_THRESHOLDS.heartbeatMissingMinutes,
        TreatMissingData: 'breaching',
      });
    });

    it('links every alarm to its runbook entry', () => {
      const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>);
      const anchors = alarms.map((a) => {
        const m = /Runbook: (\S+)$/.exec(String(a.Properties.AlarmDescription));
        return m?.[1];
      });
      expect(anchors.sort()).toEqual(
        [
          'dlqdepth',
          'failurerate',
          'lambdaerrors',
          'oldestmessageage',
          'webhookheartbeat',
          'webhooksendfailures',
        ].map((n) => `${DEFAULT_RUNBOOK_URL}#alarm-${n}`),
      );
      const custom = synth({ runbookUrl: 'https://wiki.example.com/albatross' });
      const described = Object.values(
        custom.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>,
      );
      for (const a of described)
        expect(String(a.Properties.AlarmDescription)).toMatch(
          /Runbook: https:\/\/wiki\.example\.com\/albatross#alarm-/,
        );
    });

    it('labels the "now" tiles, lists failing stacks from the logs, and shows the alarms', () => {
      const dashboard = Object.values(
        t.findResources('AWS::CloudWatch::Dashboard') as Record<string, Resource>,
      )[0];
      // The body is an Fn::Join of strings and tokens; the literal parts are enough to read it.
      const parts = (dashboard!.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] })[
        'Fn::Join'
      ][1];
      const text = parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
      const body = JSON.parse(text) as {
        widgets: Array<{ type: string; properties: Record<string, unknown> }>;
      };
      const now = body.widgets.find((w) => w.properties.title === 'Now');
      // The failure rate's inputs are in the list too, hidden (visible: false).
      const labels = (now!.properties.metrics as unknown[][])
        .map((m) => m.at(-1) as { label?: string; visible?: boolean })
        .filter((opts) => opts.visible !== false)
        .map((opts) => opts.label);
      expect(labels).toEqual([
        'Snapshots in the DLQ',
        'Oldest waiting snapshot (s)',
        'Failure rate of attempted reconciles (%), 15 min',
        'Webhook send failures (5 min)',
        'Forwarding webhook replicas (last minute)',
      ]);
      const logs = body.widgets.find((w) => w.type === 'log');
      const query = String(logs?.properties.query);
      expect(query).toContain(`message = "${FAILURE_LOG_MESSAGE}"`);
      for (const field of Object.values(FAILURE_LOG_FIELDS)) expect(query).toContain(field);
      expect(query).toMatch(/by stackId/);
      expect(JSON.stringify(logs?.properties)).toContain('TOKEN'); // the reconciler's log group, by reference
      const status = body.widgets.find((w) => w.type === 'alarm');
      expect((status!.properties.alarms as unknown[]).length).toBe(6);
      const intro = body.widgets.find((w) => w.type === 'text');
      expect(String(intro?.properties.markdown)).toContain(`[Runbook](${DEFAULT_RUNBOOK_URL})`);
    });

    it('sends alarm and OK notifications to an SNS topic when an e-mail is given', () => {
      const withTopic = synth({ alarmEmail: 'oncall@example.com' });
      withTopic.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'oncall@example.com',
      });
      const alarms = Object.values(
        withTopic.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>,
      );
      expect(alarms).toHaveLength(6);
      for (const a of alarms) {
        expect(a.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^AlarmTopic/) }]);
      }
      t.resourceCountIs('AWS::SNS::Topic', 0);
    });
  });

  it('outputs the queue URLs/ARNs and the webhook role ARN', () => {
    const outputs = Object.keys(t.findOutputs('*'));
    for (const name of [
      'QueueUrl',
      'QueueArn',
      'DeadLetterQueueUrl',
      'DeadLetterQueueArn',
      'ResultsQueueUrl',
      'ResultsQueueArn',
      'WebhookRoleArn',
    ]) {
      expect(outputs).toContain(name);
    }
  });

  it('refuses an empty cluster name naming the field', () => {
    expect(() => synth({ clusterName: '' })).toThrow(/clusterName: "": expected the EKS cluster name/);
  });
});

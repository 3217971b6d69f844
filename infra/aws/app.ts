/**
 * CDK entry point (`cdk.json`: `npx tsx infra/aws/app.ts`). Settings come from context:
 *   npx cdk synth -c clusterName=prod -c vpcId=vpc-0123 [-c oidcProviderArn=…] [-c alarmEmail=…]
 *     [-c queueName=… -c deadLetterQueueName=… -c resultsQueueName=…] [-c podIdentityAssociation=false]
 * Synth is offline: no lookups, no credentials (the environment stays account/region-agnostic).
 */
import { App } from 'aws-cdk-lib';
import { reconcilerCode } from './reconciler-code';
import { AlbatrossStack } from './stack';

const app = new App();
const ctx = (key: string): string | undefined => {
  const value: unknown = app.node.tryGetContext(key);
  return value === undefined || value === null || value === '' ? undefined : String(value);
};

const clusterName = ctx('clusterName');
if (!clusterName) {
  process.stderr.write(
    'infra/aws: missing context clusterName: expected -c clusterName=<EKS cluster name>\n',
  );
  process.exit(2);
}

try {
  new AlbatrossStack(app, ctx('stackName') ?? `Albatross-${clusterName.replace(/[^a-zA-Z0-9-]/g, '-')}`, {
    clusterName,
    vpcId: ctx('vpcId'),
    queueName: ctx('queueName'),
    deadLetterQueueName: ctx('deadLetterQueueName'),
    resultsQueueName: ctx('resultsQueueName'),
    oidcProviderArn: ctx('oidcProviderArn'),
    alarmEmail: ctx('alarmEmail'),
    lambdaCode: await reconcilerCode({ entry: ctx('lambdaEntry') }),
    podIdentityAssociation: ctx('podIdentityAssociation') !== 'false',
    description: `Albatross: Ingress → ALB reconciler for cluster ${clusterName}`,
  });
} catch (err) {
  // Bad settings are reported as one line naming the setting, not a stack trace.
  process.stderr.write(`infra/aws: ${(err as Error).message}\n`);
  process.exit(1);
}
app.synth();

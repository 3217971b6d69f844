/**
 * The SDK v3 clients the reconciler uses, configured once: the standard retry strategy (exponential
 * backoff with full jitter on throttling, 5xx and transient errors) and a per-client call counter.
 */
import { ACMClient } from '@aws-sdk/client-acm';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { SQSClient } from '@aws-sdk/client-sqs';
import { WAFV2Client } from '@aws-sdk/client-wafv2';

export interface AwsClients {
  elbv2: ElasticLoadBalancingV2Client;
  ec2: EC2Client;
  /** Finds a stack's resources of every kind by tag, so a half-deleted stack is still found. */
  tagging: ResourceGroupsTaggingAPIClient;
  /** Certificate discovery (HTTPS listeners without certificate-arn). */
  acm: ACMClient;
  /** Needed only for stacks that set `wafv2-acl-arn`. */
  wafv2?: WAFV2Client;
}

export interface AwsClientOptions {
  region: string;
  /** Omitted: the SDK's own resolution (AWS_ENDPOINT_URL, then the real endpoint). */
  endpoint?: string;
  /** Attempts per call including the first; throttling and 5xx are retried with jittered backoff. */
  maxAttempts?: number;
  /** Fail fast when the endpoint is down (one-shot CLI runs); the SDK default waits much longer. */
  timeouts?: { connectMs: number; requestMs: number };
}

function clientConfig(o: AwsClientOptions) {
  return {
    region: o.region,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    // Ten retries, as the LBC's --aws-max-retries default: a reconcile of a large stack makes hundreds
    // of calls, and under throttling six attempts leave a real chance that one of them runs out.
    maxAttempts: o.maxAttempts ?? 11,
    retryMode: 'standard' as const,
    ...(o.timeouts
      ? { requestHandler: { connectionTimeout: o.timeouts.connectMs, requestTimeout: o.timeouts.requestMs } }
      : {}),
  };
}

export function createAwsClients(o: AwsClientOptions): AwsClients {
  const config = clientConfig(o);
  return {
    elbv2: new ElasticLoadBalancingV2Client(config),
    ec2: new EC2Client(config),
    tagging: new ResourceGroupsTaggingAPIClient(config),
    acm: new ACMClient(config),
    wafv2: new WAFV2Client(config),
  };
}

/** The reconciler's switch and its view: its function and event source mapping, and the queues behind them. */
export interface ReconcilerControlClients {
  lambda: LambdaClient;
  sqs: SQSClient;
}

export function createReconcilerControlClients(o: AwsClientOptions): ReconcilerControlClients {
  const config = clientConfig(o);
  return { lambda: new LambdaClient(config), sqs: new SQSClient(config) };
}

/**
 * The webhook's metrics publisher. Request compression off: a minute of webhook metrics is about 1 KB, so
 * gzip saves nothing, and emulators (moto) fail on gzipped PutMetricData bodies over 10 KB.
 */
export function createCloudWatchClient(o: AwsClientOptions): CloudWatchClient {
  return new CloudWatchClient({ ...clientConfig(o), disableRequestCompression: true });
}

/** Flags several commands share (SPEC §9), defined once so their help reads the same everywhere. */

export const CLUSTER_NAME = {
  type: 'string',
  placeholder: 'NAME',
  description: 'the cluster name: it scopes the AWS tags and names of its load balancers',
} as const;

export const REGION = {
  type: 'string',
  placeholder: 'REGION',
  description: 'AWS region (else AWS_REGION, AWS_DEFAULT_REGION, us-east-1)',
} as const;

export const VPC_ID = {
  type: 'string',
  placeholder: 'VPC',
  description: 'the VPC of the load balancers (else the VPC of the discovered subnets)',
} as const;

export const JSON_OUTPUT = {
  type: 'boolean',
  description: 'print one JSON document on stdout (errors too, as {"error": …})',
} as const;

export const MANIFESTS = {
  type: 'string',
  placeholder: 'DIR',
  description: 'directory of Kubernetes YAML/JSON (read recursively)',
} as const;

import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { expect, inject, it } from 'vitest';
import { awsClientConfig } from '../support/moto';

it('moto seeds a default VPC with subnets in six AZs', async () => {
  const ec2 = new EC2Client(awsClientConfig(inject('motoEndpoint')));
  const { Vpcs } = await ec2.send(new DescribeVpcsCommand({}));
  expect(Vpcs?.some((v) => v.IsDefault)).toBe(true);
});

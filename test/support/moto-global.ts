/** vitest globalSetup for the `aws` project: one moto_server for the run; files run one at a time. */
import type { TestProject } from 'vitest/node';
import { startMoto } from './moto';

declare module 'vitest' {
  export interface ProvidedContext {
    motoEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const moto = await startMoto();
  project.provide('motoEndpoint', moto.endpoint);
  return async () => moto.stop();
}

import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';

/** The Node.js runtime Rotor's functions run on: the newest aws-cdk-lib knows (cdk-nag L1). */
export const ROTOR_RUNTIME = lambda.Runtime.NODEJS_26_X;

/**
 * How every Rotor function is bundled: locally with esbuild (no Docker),
 * minified, no source maps (they would ship the sources), and the AWS SDK
 * clients bundled in so their version is the one the tests ran against.
 */
export const ROTOR_BUNDLING: nodejs.BundlingOptions = {
  minify: true,
  sourceMap: false,
  externalModules: [],
  forceDockerBundling: false,
};

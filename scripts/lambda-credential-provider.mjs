/**
 * The credential provider of the functions' bundles, in place of the AWS SDK's default chain
 * (`defaultProvider` of @aws-sdk/credential-provider-node, which every client's runtime
 * configuration imports). The plugin `lambda-credential-provider` of ./esbuild-plugins.cjs serves
 * this file for that package, resolving its imports from the package's own directory, so that
 * the SDK's own pieces are used at the versions the SDK chose.
 *
 * Lambda gives a function its execution role's credentials in the environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), and the SDK's chain tries the
 * environment first. The providers after it read profiles, SSO caches, `credential_process`
 * and web identity token files — files a Lambda function does not have — and bring the SSO,
 * STS and sign-in clients they use: some 130 kB of every bundle, compiled at every cold start
 * and never run. This chain keeps the environment and the SDK's remote provider (a container
 * credentials endpoint, else EC2 instance metadata), with the SDK's memoisation and refresh,
 * and says plainly what is missing when neither answers.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { CredentialsProviderError } from '@smithy/core/config';
import { remoteProvider } from './remoteProvider';
import { memoizeChain } from './runtime/memoize-chain';

/** As the SDK's: temporary credentials are refreshed five minutes before they expire. */
export const credentialsWillNeedRefresh = (credentials) => credentials?.expiration !== undefined;
export const credentialsTreatedAsExpired = (credentials) =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300000;

export const defaultProvider = (init = {}) =>
  memoizeChain(
    [
      async () => fromEnv(init)(),
      async () => (await remoteProvider(init))(),
      async () => {
        throw new CredentialsProviderError(
          'No AWS credentials: org-budgets functions read their execution role credentials from the ' +
            'environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), as Lambda sets them, ' +
            `or from a container credentials endpoint; none answered (AWS_LAMBDA_FUNCTION_NAME=${process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'unset'})`,
          { tryNextLink: false, logger: init.logger },
        );
      },
    ],
    credentialsTreatedAsExpired,
  );

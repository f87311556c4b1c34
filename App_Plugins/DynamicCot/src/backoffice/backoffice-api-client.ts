import { UMB_AUTH_CONTEXT } from '@umbraco-cms/backoffice/auth';
import type { UmbClassInterface } from '@umbraco-cms/backoffice/class-api';
import { DynamicCotApiClient } from '../api/dynamiccot-api-client.js';

/**
 * An API client that authenticates as the signed-in backoffice user: the plugin's endpoints carry Umbraco's
 * BackOfficeAccess policy, which accepts the Management API's token (or its cookie, which `credentials` sends).
 */
export async function createBackofficeApiClient(host: UmbClassInterface): Promise<DynamicCotApiClient> {
  const auth = await host.getContext(UMB_AUTH_CONTEXT);
  if (!auth) throw new Error('DynamicCot: the backoffice auth context is not available.');
  const config = auth.getOpenApiConfiguration();
  return new DynamicCotApiClient({
    baseUrl: config.base ?? '',
    credentials: config.credentials ?? 'same-origin',
    authorization: async () => {
      const token = await config.token();
      return token ? `Bearer ${token}` : undefined;
    },
  });
}

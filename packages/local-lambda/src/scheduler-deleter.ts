import { DeleteScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import type { ScheduleId } from '@org-budgets/aws-emulator';
import type { AccountCredentials } from './account-credentials';

/**
 * Deletes EventBridge Scheduler schedules (through the front door, at moto) with the credentials
 * of the account that owns them, as Scheduler deletes a schedule whose ActionAfterCompletion is
 * DELETE once it ran.
 */
export class SchedulerDeleter {
  private readonly clients = new Map<string, SchedulerClient>();

  constructor(
    private readonly endpoint: string,
    private readonly credentials: AccountCredentials,
  ) {}

  /** Deletes the schedule; rejects with ResourceNotFoundException when there is none. */
  async delete(schedule: ScheduleId): Promise<void> {
    await this.client(schedule.accountId, schedule.region).send(
      new DeleteScheduleCommand({ Name: schedule.name, GroupName: schedule.groupName }),
    );
  }

  close(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }

  private client(account: string, region: string): SchedulerClient {
    const key = `${account}/${region}`;
    let client = this.clients.get(key);
    if (!client) {
      client = new SchedulerClient({
        region,
        endpoint: this.endpoint,
        credentials: () => this.credentials.forAccount(account),
      });
      this.clients.set(key, client);
    }
    return client;
  }
}

// Something the settings only read (a log, a list the server keeps): its latest answer, or why
// it could not be read, with a refresh the admin can press.
export class Fetched<T> {
  value = $state<T | null>(null);
  problem = $state("");

  constructor(private readonly read: () => Promise<T>) {
    void this.refresh();
  }

  async refresh(): Promise<void> {
    try {
      this.value = await this.read();
      this.problem = "";
    } catch (error) {
      this.problem = (error as Error).message;
    }
  }
}

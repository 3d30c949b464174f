export const baselineActivities = {
  async noop(): Promise<void> {
    // Nothing: the baseline measures Temporal's own cost of a timer and an activity.
  },
};

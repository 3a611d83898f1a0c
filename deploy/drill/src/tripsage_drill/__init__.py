"""The disaster-recovery drill (`make drill`): a backup is only as good as the last restore that worked."""

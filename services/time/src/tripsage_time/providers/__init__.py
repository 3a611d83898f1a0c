"""Where time-zone facts come from: offline data, no network."""

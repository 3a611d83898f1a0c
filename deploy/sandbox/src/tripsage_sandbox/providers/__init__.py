"""HTTP faces of the imitated providers."""

"""Provider adapters: each collects typed resources and raw evidence; none decides pass or fail."""

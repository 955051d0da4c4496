"""The behaviour model: what people do, day by day, and what each system records of it."""

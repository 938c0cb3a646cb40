"""The app's frame: configuration, extensions, database, migrations, error pages, CLI."""

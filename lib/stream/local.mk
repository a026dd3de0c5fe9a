# lib/stream: sources are added here as the family lands.

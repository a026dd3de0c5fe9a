# lib/spec: sources are added here as the family lands.

# lib/adaptor: sources are added here as the family lands.

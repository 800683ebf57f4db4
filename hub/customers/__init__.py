"""Customer search and the customer card: the whole customer on one phone screen."""

"""The knowledge base's SQL: pages, their versions, who watches them, who may edit them."""

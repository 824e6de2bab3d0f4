"""imagechat channels: a channel converts between its wire format and agent Turn/Reply."""

"""Training: modules, quiz attempts, qualifications, the qualification gate and the transcript."""

#!/bin/bash
# GPT pretraining with Megatron-LM (a launch script in the style of
# examples/gpt3/train_gpt3_175b_distributed.sh). lrplot reads it as text:
#   lrplot run sample_configs/megatron_pretrain.sh
export CUDA_DEVICE_MAX_CONNECTIONS=1

GPUS_PER_NODE=8
NUM_NODES=1
CHECKPOINT_PATH=${CHECKPOINT_PATH:-/checkpoints/gpt}
DATA_PATH=/data/my-gpt_text_document

GLOBAL_BATCH=256
TRAIN_ITERS=5000

DISTRIBUTED_ARGS=(
    --nproc_per_node $GPUS_PER_NODE
    --nnodes $NUM_NODES
)

GPT_MODEL_ARGS=(
    --num-layers 12
    --hidden-size 768
    --num-attention-heads 12
    --seq-length 2048
    --max-position-embeddings 2048
)

TRAINING_ARGS=(
    --micro-batch-size 4
    --global-batch-size $GLOBAL_BATCH
    --train-iters $TRAIN_ITERS
    --weight-decay 0.1
    --clip-grad 1.0
    --bf16
    --lr 3.0e-4
    --min-lr 3.0e-5
    --lr-decay-style cosine     # decays to --min-lr over --lr-decay-iters
    --lr-decay-iters 4000
    --lr-warmup-fraction .01    # of the decay: 0.01 x 4000 iterations
    --lr-warmup-init 1e-6
)

torchrun ${DISTRIBUTED_ARGS[@]} pretrain_gpt.py \
    ${GPT_MODEL_ARGS[@]} \
    ${TRAINING_ARGS[@]} \
    --data-path $DATA_PATH \
    --save $CHECKPOINT_PATH \
    --load $CHECKPOINT_PATH

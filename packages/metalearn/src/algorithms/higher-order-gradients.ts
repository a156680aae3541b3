import * as tf from '@tensorflow/tfjs';

/**
 * Gradients that stay differentiable, so second-order MAML is exact.
 *
 * tfjs computes several gradients from a *saved copy of the op's output* (tanh, sigmoid, exp). That copy is recorded on the tape before the op itself, so a
 * second differentiation cannot reach the op's input through it and silently drops a term
 * of the Hessian-vector product. The versions below recompute the output from the input
 * instead. tfjs also has no gradient for Conv2DBackpropFilter, which the second derivative
 * of a convolution needs, nor for Equal (in the gradient of max); both are added here, as
 * TensorFlow defines them.
 */
function register(): void {
  const fromInput = (kernelName: string, input: string, grad: (x: tf.Tensor, dy: tf.Tensor, attrs: tf.NamedAttrMap) => tf.Tensor) =>
    tf.registerGradient({
      kernelName,
      inputsToSave: [input],
      gradFunc: (dy, saved, attrs) => {
        const [x] = saved as tf.Tensor[];
        return { [input]: () => grad(x as tf.Tensor, dy as tf.Tensor, attrs) };
      },
    });

  fromInput('Tanh', 'x', (x, dy) => tf.mul(dy, tf.sub(1, tf.square(tf.tanh(x)))));
  fromInput('Sigmoid', 'x', (x, dy) => {
    const y = tf.sigmoid(x);
    return tf.mul(dy, tf.mul(y, tf.sub(1, y)));
  });
  fromInput('Exp', 'x', (x, dy) => tf.mul(dy, tf.exp(x)));

  // The mask in the gradient of max (and so of max-pooling) compares values; a comparison
  // is piecewise constant, so its gradient is zero.
  tf.registerGradient({
    kernelName: 'Equal',
    inputsToSave: ['a', 'b'],
    gradFunc: (_dy, saved) => {
      const [a, b] = saved as tf.Tensor[];
      return { a: () => tf.zerosLike(a as tf.Tensor), b: () => tf.zerosLike(b as tf.Tensor) };
    },
  });

  tf.registerGradient({
    kernelName: 'Conv2DBackpropFilter',
    inputsToSave: ['x', 'dy'],
    gradFunc: (g, saved, attrs) => {
      const [x, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
      const { strides, pad } = attrs as unknown as { strides: [number, number]; pad: 'same' | 'valid' };
      const filterGrad = g as tf.Tensor4D;
      return {
        x: () => tf.conv2dTranspose(dy, filterGrad, x.shape, strides, pad),
        dy: () => tf.conv2d(x, filterGrad, strides, pad),
      };
    },
  });
}

register();
